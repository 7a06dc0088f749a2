// Your own data files (`data.train`, `data.valid`, `data.test`, `data.vectors`) and the checkpoint
// a model starts from (`model.init`, unless it names a tracked run: run:ID), checked where a run is submitted:
// each made absolute and checked to be a readable file, so that a missing path or a directory is
// refused at once instead of failing later on a worker, and a relative path means the submitter's
// directory, not the worker's. Named corpora are left to the worker's data directory.
//
// With `roots` (the api: runs launched over the network), a file must lie under one of them once
// every symlink is resolved, checked before the file itself is looked at: a path outside gets the
// same answer whether it exists or not, and the config names the resolved file, so a link
// changed later cannot point the worker elsewhere.
import { accessSync, constants, readdirSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import type { DataConfig } from "../config.js";
import { runRefOf } from "../model-init.js";

export interface DataFilesOptions {
  /**
   * Where relative paths start (the CLI: its working directory). Without one, a relative path is
   * refused: a server cannot know which directory the sender meant.
   */
  baseDir?: string;
  /**
   * The only directories files may be read from (resolved with `dataRoots`). Unset: anywhere (the
   * CLI, run by the machine's own user).
   */
  roots?: readonly string[];
}

/** The file fields of `data`: a corpus may still name its own pretrained vectors. */
const FILE_FIELDS = ["train", "valid", "test", "vectors"] as const;
const CORPUS_FILE_FIELDS = ["vectors"] as const;

/** The config with absolute data paths; throws ConfigError naming data.<split> (or model.init) with the fix. */
export function resolveDataFiles<C extends { data: DataConfig; model?: { init?: string | undefined } }>(
  config: C,
  { baseDir, roots }: DataFilesOptions = {},
): C {
  const data = config.data as DataConfig & Partial<Record<(typeof FILE_FIELDS)[number], string>>;
  const out: Record<string, unknown> = { ...data };
  for (const key of "corpus" in data ? CORPUS_FILE_FIELDS : FILE_FIELDS) {
    const given = data[key];
    if (given === undefined) continue;
    const field = `data.${key}`;
    const file = roots ? confined(field, given, roots) : given;
    out[key] = checkedFile(field, file, baseDir);
  }
  const init = config.model?.init;
  if (init !== undefined && runRefOf(init) === undefined) {
    const file = checkedFile("model.init", roots ? confined("model.init", init, roots) : init, baseDir);
    return { ...config, data: out as DataConfig, model: { ...config.model, init: file } };
  }
  return { ...config, data: out as DataConfig };
}

/**
 * The directories data may be read from: each resolved through symlinks, duplicates and missing
 * ones dropped. `dataDir` (the corpora's directory) first, then the operator's list.
 */
export function dataRoots(dataDir: string | undefined, extra: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const dir of [dataDir, ...extra]) {
    if (!dir || !isAbsolute(dir)) continue;
    try {
      const real = realpathSync(dir);
      if (statSync(real).isDirectory() && !out.includes(real)) out.push(real);
    } catch {
      // a root that does not exist allows nothing
    }
  }
  return out;
}

/** The real path of `given` if it lies under a root; else a ConfigError that says only where data may be. */
function confined(field: string, given: string, roots: readonly string[]): string {
  const refuse = () =>
    new ConfigError(
      roots.length
        ? `${JSON.stringify(given)} is not a file this server may read: runs launched here read data only under ${roots.join(", ")} (the data directory and UNROLL_DATA_ROOTS); put the file there, or add its directory to UNROLL_DATA_ROOTS where the dashboard runs`
        : `${JSON.stringify(given)} is not a file this server may read: it reads no data files (no data directory, and UNROLL_DATA_ROOTS is unset); set UNROLL_DATA_ROOTS where the dashboard runs, or use a named corpus`,
      field,
    );
  if (!isAbsolute(given)) return given; // refused as relative by checkedFile, which names the fix
  // Missing or not allowed: outside the roots both get this one answer.
  const real = realOrMissing(resolve(given));
  if (!roots.some((root) => within(root, real))) throw refuse();
  return real;
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The path with its nearest existing ancestor resolved through symlinks (the rest as written). */
function realOrMissing(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realOrMissing(parent), basename(path));
  }
}

function checkedFile(field: string, given: string, baseDir: string | undefined): string {
  if (!isAbsolute(given) && baseDir === undefined) {
    throw new ConfigError(
      `${JSON.stringify(given)} is a relative path, and the server cannot know which directory it starts from (a worker would read it from its own): give an absolute path`,
      field,
    );
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
