// Where the corpora live when nobody says: UNROLL_DATA_DIR (from the environment, through env.ts),
// else a shared/data folder found walking up.
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { processEnv } from "../env.js";

/** The environment variable that names the data directory. */
export const DATA_DIR_ENV = "UNROLL_DATA_DIR";

/**
 * The data directory: `$UNROLL_DATA_DIR` when set, else the first `shared/data` found walking up
 * from `cwd` (the repo at /work/main finds /work/shared/data; a CI clone finds the `shared/`
 * copied beside it), else undefined. Both inputs can be passed for tests.
 */
export function defaultDataDir({ cwd = process.cwd(), env = processEnv() }: { cwd?: string; env?: Readonly<Record<string, string | undefined>> } = {}):
  string | undefined {
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(cwd, fromEnv);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "data");
    if (isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
