import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../errors.js";
import { CORPORA, CORPUS_NAMES } from "./corpora.js";
import { defaultDataDir } from "./data-dir.js";
import { SHIPPED_DATA_DIR, resolveCorpus, resolveData } from "./registry.js";
import { REAL_DATA_DIR } from "./test-paths.js";

const scratch = () => mkdtempSync(join(tmpdir(), "unroll-registry-"));

describe("defaultDataDir", () => {
  it("prefers UNROLL_DATA_DIR, resolved against cwd", () => {
    expect(defaultDataDir({ cwd: "/somewhere", env: { UNROLL_DATA_DIR: "../data" } })).toBe("/data");
  });

  it("walks up from cwd to the first shared/data (a clone with shared/ beside it)", () => {
    const root = scratch();
    mkdirSync(join(root, "shared", "data"), { recursive: true });
    mkdirSync(join(root, "clone", "packages", "core"), { recursive: true });
    expect(defaultDataDir({ cwd: join(root, "clone", "packages", "core"), env: {} })).toBe(join(root, "shared", "data"));
  });

  it("returns undefined when there is none", () => {
    expect(defaultDataDir({ cwd: scratch(), env: {} })).toBeUndefined();
  });
});

describe("resolveCorpus", () => {
  it("resolves tiny-shakespeare to the shipped copy without a data dir, split 90/5/5", () => {
    const c = resolveCorpus("tiny-shakespeare");
    const file = join(SHIPPED_DATA_DIR, "tiny-shakespeare", "input.txt");
    expect(c.splits).toEqual({ train: { file, fraction: [0, 0.9] }, valid: { file, fraction: [0.9, 0.95] }, test: { file, fraction: [0.95, 1] } });
    expect(c.task).toBe("lm");
    expect(c.info?.licence).toBe("public domain");
  });

  it("also uses the shipped copy when the data dir lacks tiny-shakespeare", () => {
    expect(resolveCorpus("tiny-shakespeare", { dataDir: scratch() }).splits.train?.file).toBe(join(SHIPPED_DATA_DIR, "tiny-shakespeare", "input.txt"));
  });

  it("rejects an unknown name, listing the known ones", () => {
    expect(() => resolveCorpus("ptb")).toThrow(ConfigError);
    expect(() => resolveCorpus("ptb")).toThrow(/expected one of tiny-shakespeare, wikitext-2, .* got "ptb"/);
  });

  it("says how to set the data dir when a non-shipped corpus has none", () => {
    expect(() => resolveCorpus("wikitext-2")).toThrow(DataError);
    expect(() => resolveCorpus("wikitext-2")).toThrow(/set UNROLL_DATA_DIR=.* or pass dataDir/);
  });

  it("names the data dir and the missing file", () => {
    const dir = scratch();
    expect(() => resolveCorpus("sst2", { dataDir: dir })).toThrow(new RegExp(`sst2/ directory in the data directory ${dir}`));
    mkdirSync(join(dir, "sst2"));
    writeFileSync(join(dir, "sst2", "train.tsv"), "good\t1\n");
    expect(() => resolveCorpus("sst2", { dataDir: dir })).toThrow(new RegExp(`expected sst2 file dev.tsv in ${dir}/sst2`));
  });

  it("refuses uner-english-ewt without devAsTrain, explaining the missing train split", () => {
    const dir = scratch();
    mkdirSync(join(dir, "uner-english-ewt"));
    for (const f of ["en_ewt-ud-dev.iob2", "en_ewt-ud-test.iob2"]) writeFileSync(join(dir, "uner-english-ewt", f), "a\tO\n");
    expect(() => resolveCorpus("uner-english-ewt", { dataDir: dir })).toThrow(
      /expected a train split for uner-english-ewt, but this copy has none.*set data\.devAsTrain=true/,
    );
    const c = resolveCorpus("uner-english-ewt", { dataDir: dir, devAsTrain: true });
    const dev = join(dir, "uner-english-ewt", "en_ewt-ud-dev.iob2");
    expect(c.splits.train).toEqual({ file: dev, fraction: [0, 0.9] });
    expect(c.splits.valid).toEqual({ file: dev, fraction: [0.9, 1] });
    expect(c.splits.test?.file).toBe(join(dir, "uner-english-ewt", "en_ewt-ud-test.iob2"));
  });

  it("has a task, format, licence and attribution for every corpus", () => {
    for (const name of CORPUS_NAMES) {
      expect(CORPORA[name].licence.length).toBeGreaterThan(5);
      expect(CORPORA[name].attribution.length).toBeGreaterThan(10);
    }
  });
});

describe.skipIf(!REAL_DATA_DIR)("resolveCorpus on the real data dir", () => {
  it.each(CORPUS_NAMES.filter((n) => n !== "uner-english-ewt"))("finds every split of %s", (name) => {
    const c = resolveCorpus(name, { dataDir: REAL_DATA_DIR ?? "" });
    expect(Object.keys(c.splits).sort()).toEqual(["test", "train", "valid"]);
    expect(c.splits.train?.file.startsWith(REAL_DATA_DIR ?? "")).toBe(true);
  });
});

describe("resolveData", () => {
  it("resolves your own files from baseDir and splits a lone train file 90/5/5", () => {
    const dir = scratch();
    writeFileSync(join(dir, "a.txt"), "x\n");
    const c = resolveData({ format: "text", train: "a.txt" }, { baseDir: dir });
    expect(c).toMatchObject({ name: "custom", task: "lm", format: "text" });
    expect(c.splits.valid).toEqual({ file: join(dir, "a.txt"), fraction: [0.9, 0.95] });
  });

  it("keeps given splits as whole files and leaves a missing one out", () => {
    const dir = scratch();
    writeFileSync(join(dir, "t.conllu"), "");
    writeFileSync(join(dir, "v.conllu"), "");
    const c = resolveData({ format: "conllu", train: "t.conllu", valid: "v.conllu" }, { baseDir: dir });
    expect(c.splits).toEqual({ train: { file: join(dir, "t.conllu") }, valid: { file: join(dir, "v.conllu") } });
    expect(c.tagColumn).toBe("upos");
  });

  it("names the missing file and the config field to fix", () => {
    expect(() => resolveData({ format: "tsv", train: "nope.tsv" }, { baseDir: "/tmp" })).toThrow(
      /expected the train file at \/tmp\/nope\.tsv.*fix data\.train/,
    );
  });
});
