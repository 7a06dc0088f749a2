// Your own data files (`data.train`, `data.valid`, `data.test`), checked where a run is submitted:
// each made absolute and checked to be a readable file, so that a missing path or a directory is
// refused at once instead of failing later on a worker, and a relative path means the submitter's
// directory, not the worker's. Named corpora are left to the worker's data directory.
import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import type { DataConfig } from "../config.js";

export interface DataFilesOptions {
  /**
   * Where relative paths start (the CLI: its working directory). Without one, a relative path is
   * refused: a server cannot know which directory the sender meant.
   */
  baseDir?: string;
}

const SPLITS = ["train", "valid", "test"] as const;

/** The config with absolute data paths; throws ConfigError naming data.<split> with the fix. */
export function resolveDataFiles<C extends { data: DataConfig }>(config: C, { baseDir }: DataFilesOptions = {}): C {
  const data = config.data;
  if ("corpus" in data) return config;
  const out: Record<string, unknown> = { ...data };
  for (const split of SPLITS) {
    const given = data[split];
    if (given === undefined) continue;
    out[split] = checkedFile(`data.${split}`, given, baseDir);
  }
  return { ...config, data: out as DataConfig };
}

function checkedFile(field: string, given: string, baseDir: string | undefined): string {
  if (!isAbsolute(given) && baseDir === undefined) {
    throw new ConfigError(`${JSON.stringify(given)} is a relative path, and the server cannot know which directory it starts from (a worker would read it from its own): give an absolute path`, field);
  }
  const full = isAbsolute(given) ? given : resolve(baseDir!, given);
  const from = isAbsolute(given) ? "" : ` (${JSON.stringify(given)} from ${baseDir})`;
  let stat;
  try {
    stat = statSync(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ConfigError(`no file at ${full}${from}: fix the path`, field);
    throw new ConfigError(`cannot look at ${full}${from} (${code ?? String(error)}): check the path and its directories' permissions`, field);
  }
  if (stat.isDirectory()) {
    const inside = filesIn(full);
    const hint = inside.length ? ` it holds ${inside.map((f) => join(full, f)).join(", ")}${inside.length === 3 ? ", ..." : ""}` : " it holds no files";
    throw new ConfigError(`${full}${from} is a directory, not a file: give one file for ${field};${hint}`, field);
  }
  if (!stat.isFile()) throw new ConfigError(`${full}${from} is not a regular file (a device, socket or pipe): give a text file`, field);
  try {
    accessSync(full, constants.R_OK);
  } catch {
    throw new ConfigError(`${full}${from} cannot be read by this user: make it readable (chmod a+r ${full})`, field);
  }
  return full;
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()
      .slice(0, 3);
  } catch {
    return [];
  }
}
