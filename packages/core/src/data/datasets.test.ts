import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseExperimentConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import { CharTokenizer } from "./char-tokenizer.js";
import { loadClassifierData, loadExperimentData, loadLanguageModelData, loadTaggerData } from "./datasets.js";
import { resolveCorpus, resolveData } from "./registry.js";
import { REAL_DATA_DIR, fixture, realFile } from "./test-paths.js";
import { EOS, PAD, UNK } from "./vocabulary.js";
import { WordTokenizer } from "./word-tokenizer.js";

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "unroll-datasets-"));
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("loadLanguageModelData", () => {
  it("splits tiny Shakespeare 90/5/5 by characters and learns its 65 characters from train", () => {
    const lm = loadLanguageModelData(resolveCorpus("tiny-shakespeare"), new CharTokenizer());
    expect([lm.train.length, lm.valid.length, lm.test.length]).toEqual([1_003_854, 55_770, 55_770]);
    expect(lm.vocabulary.size).toBe(4 + 65);
    expect(lm.train).toBeInstanceOf(Int32Array);
    expect(lm.vocabulary.decode(Array.from(lm.train.subarray(0, 14))).join("")).toBe("First Citizen:");
  });

  it("builds the vocabulary on train only: a word first seen in valid is <unk>", () => {
    const dir = files({ "t.txt": "the cat sat\nthe dog\n", "v.txt": "the bird\n" });
    const corpus = resolveData({ format: "text", train: "t.txt", valid: "v.txt" }, { baseDir: dir });
    const lm = loadLanguageModelData(corpus, new WordTokenizer());
    expect(lm.vocabulary.has("bird")).toBe(false);
    expect(lm.vocabulary.decode(Array.from(lm.valid))).toEqual(["the", UNK, EOS]);
    expect(lm.vocabulary.decode(Array.from(lm.train))).toEqual(["the", "cat", "sat", EOS, "the", "dog", EOS]);
    expect(lm.test).toHaveLength(0);
  });

  it("refuses data for another task", () => {
    const dir = files({ "t.tsv": "good\t1\n" });
    expect(() => loadLanguageModelData(resolveData({ format: "tsv", train: "t.tsv" }, { baseDir: dir }), new WordTokenizer())).toThrow(ConfigError);
  });
});

describe("loadTaggerData", () => {
  it("encodes the EWT excerpt with a tag vocabulary that has <pad> at 0", () => {
    const corpus = resolveData({ format: "conllu", train: fixture("ewt-excerpt.conllu") }, {});
    const tagger = loadTaggerData({ ...corpus, splits: { train: { file: fixture("ewt-excerpt.conllu") } } }, new WordTokenizer());
    expect(tagger.tags.tokenOf(0)).toBe(PAD);
    expect(tagger.tags.tokens.slice(1)).toEqual([...tagger.tags.tokens.slice(1)].sort());
    expect(tagger.train).toHaveLength(4);
    const first = tagger.train[0];
    expect(tagger.vocabulary.decode(first?.tokens.slice(0, 3) ?? [])).toEqual(["Al", "-", "Zaman"]);
    expect(tagger.tags.decode(first?.tags.slice(0, 3) ?? [])).toEqual(["PROPN", "PUNCT", "PROPN"]);
    expect(tagger.valid).toEqual([]);
  });

  it("lowercases words when the tokenizer does", () => {
    const corpus = resolveData({ format: "iob2", train: fixture("uner-excerpt.iob2"), valid: fixture("uner-excerpt.iob2") }, {});
    const tagger = loadTaggerData(corpus, new WordTokenizer({ lowercase: true }));
    expect(tagger.vocabulary.has("sungjoo")).toBe(true);
    expect(tagger.vocabulary.has("Sungjoo")).toBe(false);
    expect(tagger.tags.tokens).toEqual([PAD, "B-LOC", "B-ORG", "B-PER", "I-LOC", "I-ORG", "I-PER", "O"]);
  });

  it("refuses a char tokenizer", () => {
    const corpus = resolveData({ format: "iob2", train: fixture("uner-excerpt.iob2") }, {});
    expect(() => loadTaggerData(corpus, new CharTokenizer())).toThrow(/tokenizer\.kind: expected a word tokenizer/);
  });
});

describe("loadClassifierData", () => {
  it("gives labels sorted and label ids as indices into them", () => {
    const dir = files({ "t.tsv": "great film\t1\nawful\t0\n", "v.tsv": "great\t1\nso so\t2\n" });
    const data = loadClassifierData(resolveData({ format: "tsv", train: "t.tsv", valid: "v.tsv" }, { baseDir: dir }), new WordTokenizer());
    expect(data.labels).toEqual(["0", "1", "2"]);
    expect(data.train.map((e) => e.label)).toEqual([1, 0]);
    expect(data.valid.map((e) => e.label)).toEqual([1, 2]);
    expect(data.vocabulary.decode(data.valid[1]?.tokens ?? [])).toEqual([UNK, UNK]);
  });
});

describe("loadExperimentData", () => {
  it("loads the default config: tiny Shakespeare with a fitted char tokenizer", () => {
    const loaded = loadExperimentData(parseExperimentConfig({ task: "lm", data: { corpus: "tiny-shakespeare" } }));
    expect(loaded.task).toBe("lm");
    expect(loaded.tokenizer.kind).toBe("char");
    expect(loaded.tokenizer.decode(loaded.tokenizer.encode("ROMEO:"))).toBe("ROMEO:");
  });
});

describe.skipIf(!realFile("wikitext-2", "train.txt"))("datasets on the real corpora", () => {
  const dataDir = REAL_DATA_DIR ?? "";

  it("WikiText-2: streams of DATA.md's lengths, 33,278 words + <pad> <s> (</s> is the <eos>)", () => {
    const lm = loadLanguageModelData(resolveCorpus("wikitext-2", { dataDir }), new WordTokenizer());
    expect([lm.train.length, lm.valid.length, lm.test.length]).toEqual([2_088_628, 217_646, 245_569]);
    expect(lm.vocabulary.size).toBe(33_278 + 2);
    // every valid word is in train, so the only <unk>s are the ones already in the text
    const unk = lm.vocabulary.idOf(UNK);
    expect(lm.valid.filter((id) => id === unk).length).toBe(11_718);
  });

  it("UD EWT with XPOS: 12,544 / 2,001 / 2,077 sentences", () => {
    const tagger = loadTaggerData(resolveCorpus("ud-english-ewt", { dataDir, tagColumn: "xpos" }), new WordTokenizer());
    expect([tagger.train.length, tagger.valid.length, tagger.test.length]).toEqual([12_544, 2_001, 2_077]);
    expect(tagger.tags.has("NNP")).toBe(true);
    expect(tagger.tags.has("PROPN")).toBe(false);
  });

  it("Universal NER with devAsTrain: 90 % of dev trains, 10 % validates, test is test", () => {
    const tagger = loadTaggerData(resolveCorpus("uner-english-ewt", { dataDir, devAsTrain: true }), new WordTokenizer());
    expect([tagger.train.length, tagger.valid.length, tagger.test.length]).toEqual([1_800, 201, 2_077]);
  });

  it("SST-2: 6,920 / 872 / 1,821 sentences, labels 0 and 1", () => {
    const data = loadClassifierData(resolveCorpus("sst2", { dataDir }), new WordTokenizer());
    expect([data.train.length, data.valid.length, data.test.length]).toEqual([6_920, 872, 1_821]);
    expect(data.labels).toEqual(["0", "1"]);
  });
});
