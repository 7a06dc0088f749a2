// Reads an experiment config from a JSON or YAML file and applies `--set key=value` overrides.
// Everything is validated by core's schema before anything is created.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { applyOverrides, parseExperimentConfig, type ExperimentConfig } from "@unroll/core";
import { UsageError } from "./usage-error.js";

export async function readConfigFile(path: string | undefined, overrides: string[] = []): Promise<ExperimentConfig> {
  if (!path) throw new UsageError("missing the config file: unroll train <config.json|config.yaml> [--set key=value]...");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error)}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${(error as Error).message}`);
  }
  const config = parseExperimentConfig(raw);
  return overrides.length > 0 ? applyOverrides(config, overrides) : config;
}
