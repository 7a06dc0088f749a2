// Corpus names and data configs to absolute file paths, checked to exist.
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, DataError } from "../errors.js";
import type { DataConfig } from "../config.js";
import type { TagColumn } from "./conllu-reader.js";
import {
  CORPORA,
  CORPUS_NAMES,
  DEV_AS_TRAIN_FRACTIONS,
  FORMAT_TASK,
  SPLIT_90_5_5,
  isCorpusName,
  type CorpusInfo,
  type DataFormat,
  type Split,
  type Task,
} from "./corpora.js";
import { DATA_DIR_ENV } from "./data-dir.js";

/** Where one split's examples come from: a whole file, or the `[from, to)` fraction of its units. */
export interface SplitSource {
  file: string;
  fraction?: readonly [number, number];
}

export interface ResolvedCorpus {
  /** The corpus name, or `custom` for your own files. */
  name: string;
  task: Task;
  format: DataFormat;
  /** A missing split has no examples (evaluation on it is skipped). */
  splits: Partial<Record<Split, SplitSource>>;
  tagColumn?: TagColumn;
  /** Catalogue entry (licence, attribution) for a named corpus. */
  info?: CorpusInfo;
}

/** Where tiny Shakespeare ships: packages/core/data/tiny-shakespeare. */
export const SHIPPED_DATA_DIR = fileURLToPath(new URL("../../data", import.meta.url));

export interface ResolveOptions {
  /** The data directory (the CLI passes $UNROLL_DATA_DIR or `defaultDataDir()`). */
  dataDir?: string;
  /** For a corpus without a train split: train on 90 % of dev, validate on its last 10 %. */
  devAsTrain?: boolean;
  tagColumn?: TagColumn;
}

/** A named corpus as absolute, existing files; tiny Shakespeare falls back to the shipped copy. */
export function resolveCorpus(name: string, { dataDir, devAsTrain = false, tagColumn }: ResolveOptions = {}): ResolvedCorpus {
  if (!isCorpusName(name))
    throw new ConfigError(
      `expected one of ${CORPUS_NAMES.join(", ")}, got ${JSON.stringify(name)}; or give your own files with { format, train }`,
      "data.corpus",
    );
  const info = CORPORA[name];
  const dir = corpusDir(info, dataDir);
  const path = (file: string): string => {
    const full = join(dir, file);
    if (!existsSync(full)) {
      throw new DataError(
        `expected ${name} file ${file} in ${dir}, but it is not there; put the corpus under <data dir>/${info.dir} and point ${DATA_DIR_ENV} (or dataDir) at the data dir`,
        full,
      );
    }
    return full;
  };
  const { train, valid, test } = info.files;
  const splits: Partial<Record<Split, SplitSource>> = {};
  if (info.fractions && train) {
    const file = path(train);
    for (const split of ["train", "valid", "test"] as const) splits[split] = { file, fraction: info.fractions[split] };
  } else if (train) {
    splits.train = { file: path(train) };
    if (valid) splits.valid = { file: path(valid) };
    if (test) splits.test = { file: path(test) };
    if (devAsTrain)
      throw new ConfigError(`expected devAsTrain only for a corpus without a train split, but ${name} has ${train}; drop devAsTrain`, "data.devAsTrain");
  } else {
    if (!devAsTrain || !valid) {
      throw new DataError(
        `expected a train split for ${name}, but this copy has none (${info.note ?? "only dev and test"}); set data.devAsTrain=true, or give your own files with { format: "${info.format}", train, valid, test }`,
        dir,
      );
    }
    const dev = path(valid);
    splits.train = { file: dev, fraction: DEV_AS_TRAIN_FRACTIONS.train };
    splits.valid = { file: dev, fraction: DEV_AS_TRAIN_FRACTIONS.valid };
    if (test) splits.test = { file: path(test) };
  }
  return { name, task: info.task, format: info.format, splits, info, ...tagColumnFor(info.format, tagColumn) };
}

/**
 * A config's data section as files: a named corpus via `resolveCorpus`, or your own files
 * (relative paths from `baseDir`, default the current directory). With neither valid nor test
 * given, train is split 90/5/5 in file order.
 */
export function resolveData(data: DataConfig, { dataDir, baseDir = process.cwd() }: { dataDir?: string; baseDir?: string } = {}): ResolvedCorpus {
  if ("corpus" in data)
    return resolveCorpus(data.corpus, {
      ...(dataDir !== undefined ? { dataDir } : {}),
      devAsTrain: data.devAsTrain ?? false,
      ...(data.tagColumn ? { tagColumn: data.tagColumn } : {}),
    });
  const file = (split: Split, p: string): string => {
    const full = isAbsolute(p) ? p : resolve(baseDir, p);
    if (!existsSync(full))
      throw new DataError(`expected the ${split} file at ${full}, but it does not exist; fix data.${split} (relative paths start from ${baseDir})`, full);
    return full;
  };
  const train = file("train", data.train);
  const splits: Partial<Record<Split, SplitSource>> = {};
  if (data.valid === undefined && data.test === undefined) {
    for (const split of ["train", "valid", "test"] as const) splits[split] = { file: train, fraction: SPLIT_90_5_5[split] };
  } else {
    splits.train = { file: train };
    if (data.valid !== undefined) splits.valid = { file: file("valid", data.valid) };
    if (data.test !== undefined) splits.test = { file: file("test", data.test) };
  }
  return { name: "custom", task: FORMAT_TASK[data.format], format: data.format, splits, ...tagColumnFor(data.format, data.tagColumn) };
}

function corpusDir(info: CorpusInfo, dataDir: string | undefined): string {
  if (dataDir !== undefined) {
    const dir = resolve(dataDir, info.dir);
    if (existsSync(dir) || !info.shipped) {
      if (!existsSync(dir))
        throw new DataError(
          `expected a ${info.dir}/ directory in the data directory ${resolve(dataDir)}, but there is none; download ${info.name} (${info.attribution}) there, or point ${DATA_DIR_ENV} at the directory that has it`,
          dir,
        );
      return dir;
    }
  }
  if (info.shipped) return join(SHIPPED_DATA_DIR, info.dir);
  throw new DataError(
    `expected a data directory holding ${info.dir}/, but none was given and ${info.name} does not ship with Unroll (${info.licence}); set ${DATA_DIR_ENV}=/path/to/data (the directory that contains ${info.dir}/) or pass dataDir`,
  );
}

function tagColumnFor(format: DataFormat, tagColumn: TagColumn | undefined): { tagColumn?: TagColumn } {
  return format === "conllu" ? { tagColumn: tagColumn ?? "upos" } : {};
}
