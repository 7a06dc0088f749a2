// The one place the runner reads the environment (core and db read theirs in their own env modules).
import { join } from "node:path";
import { unrollHome } from "@unroll/db";

/** UNROLL_DATA_DIR, where corpora are read from; the CLI falls back to core's `defaultDataDir()` (a `shared/data` folder above the current directory). */
export function dataDir(): string | undefined {
  return process.env.UNROLL_DATA_DIR?.trim() || undefined;
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
