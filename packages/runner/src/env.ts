// The one place the runner reads the environment (core and db read theirs in their own env modules).
import { join } from "node:path";
import { DATA_DIR_ENV, defaultDataDir } from "@unroll/core";
import { unrollHome } from "@unroll/db";

/**
 * Where corpora are read from: UNROLL_DATA_DIR, else a `shared/data` folder above the current
 * directory (core's `defaultDataDir`, as a checkout beside its data has), else none.
 */
export function dataDir(): string | undefined {
  return defaultDataDir({ env: { [DATA_DIR_ENV]: process.env.UNROLL_DATA_DIR?.trim() } });
}

/** Records waiting for an unreachable database. */
export function spoolDir(): string {
  return join(unrollHome(), "spool");
}

/** The environment a child process (worker, dashboard) gets: this one's, with `set` on top. */
export function childEnv(set: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...set };
}

/** The pid of the `unroll up` that started this worker (it stops when that parent is gone), if any. */
export function parentPid(): number | undefined {
  const pid = Number(process.env.UNROLL_PARENT_PID);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
