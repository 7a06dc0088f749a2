// Reads an experiment config from a JSON or YAML file and applies `--set key=value` overrides.
// Everything is validated by core's schema, and (unless the caller checks each run of a sweep
// itself) by the submit checks, before anything is created.
import { readFile, stat } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { applyOverrides, parseExperimentConfig, type ExperimentConfig } from "@unroll/core";
import { dataDir } from "../env.js";
import { SubmitChecks } from "./submit-checks.js";
import { UsageError } from "./usage-error.js";

/** A config is a few KB; a file this big is not one. */
const MAX_CONFIG_FILE_BYTES = 10 * 2 ** 20;

export interface ReadConfigOptions {
  /** Run the submit checks for a run trained here (default true); false leaves them to the caller. */
  check?: boolean;
  /** Where the data's warnings go (default stderr). */
  warn?: (line: string) => void;
}

export async function readConfigFile(
  path: string | undefined,
  overrides: string[] = [],
  { check = true, warn = (line) => process.stderr.write(`${line}\n`) }: ReadConfigOptions = {},
): Promise<ExperimentConfig> {
  if (!path) throw new UsageError("missing the config file: unroll train <config.json|config.yaml> [--set key=value]...");
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_CONFIG_FILE_BYTES)
      throw new UsageError(`config file ${path} is ${(size / 2 ** 20).toFixed(1)} MiB; a config is a few KB: is this the right file?`);
    text = await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory; give the config file in it"
          : code === "EACCES"
            ? "permission denied; make it readable"
            : String(error);
    throw new UsageError(`cannot read config file ${path}: ${why}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const why = error instanceof RangeError ? "it nests too deeply to read (a config is sections of fields)" : (error as Error).message;
    throw new UsageError(`${path} is not valid ${yaml ? "YAML" : "JSON"}: ${why}`);
  }
  const parsed = parseExperimentConfig(raw);
  const config = overrides.length > 0 ? applyOverrides(parsed, overrides) : parsed;
  return check ? new SubmitChecks({ baseDir: process.cwd(), dataDir: dataDir(), local: true, warn }).check(config) : config;
}
