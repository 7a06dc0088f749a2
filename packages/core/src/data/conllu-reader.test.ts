import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { readConllu } from "./conllu-reader.js";
import { fixture, realFile } from "./test-paths.js";

const row = (id: string, form: string, upos: string, xpos: string) => [id, form, "_", upos, xpos, "_", "_", "_", "_", "_"].join("\t");

describe("readConllu on the EWT excerpt", () => {
  const sentences = readConllu({ path: fixture("ewt-excerpt.conllu") });

  it("reads 4 sentences with forms, UPOS and XPOS and the sent_id", () => {
    expect(sentences).toHaveLength(4);
    const first = sentences[0];
    expect(first?.tokens.slice(0, 5)).toEqual(["Al", "-", "Zaman", ":", "American"]);
    expect(first?.upos.slice(0, 5)).toEqual(["PROPN", "PUNCT", "PROPN", "PUNCT", "ADJ"]);
    expect(first?.xpos.slice(0, 5)).toEqual(["NNP", "HYPH", "NNP", ":", "JJ"]);
    expect(first?.tags).toEqual(first?.upos);
    expect(first?.tokens).toHaveLength(29);
    expect(first?.sentId).toBe("weblog-juancole.com_juancole_20051126063000_ENG_20051126_063000-0001");
    expect(first?.line).toBe(5);
  });

  it("skips the multiword token range and keeps its words", () => {
    expect(sentences[2]?.tokens.slice(0, 4)).toEqual(["Baghdadis", "do", "n't", "venture"]);
    expect(sentences[2]?.tokens).not.toContain("don't");
  });

  it("skips the empty node 8.1", () => {
    expect(sentences[3]?.tokens).toHaveLength(13);
    expect(sentences[3]?.tokens.filter((t) => t === "reported")).toHaveLength(1);
  });

  it("tags with XPOS when asked", () => {
    const xpos = readConllu({ path: fixture("ewt-excerpt.conllu") }, { tagColumn: "xpos" });
    expect(xpos[1]?.tags.slice(0, 3)).toEqual(["-LRB-", "DT", "NN"]);
  });
});

describe("readConllu on malformed input", () => {
  it("rejects a line with the wrong number of columns, with file and line", () => {
    const text = ["# sent_id = 1", row("1", "Hi", "INTJ", "UH"), "2 there ADV RB", ""].join("\n");
    const read = () => readConllu({ text, name: "bad.conllu" });
    expect(read).toThrow(DataError);
    expect(read).toThrow(/^bad\.conllu:3: expected 10 tab-separated columns .* got 1/);
    try {
      read();
    } catch (e) {
      expect((e as DataError).file).toBe("bad.conllu");
      expect((e as DataError).line).toBe(3);
    }
  });

  it("rejects a non-numeric ID and IDs that do not count up (a missing blank line)", () => {
    expect(() => readConllu({ text: row("x", "Hi", "INTJ", "UH"), name: "f" })).toThrow(/^f:1: expected a word ID/);
    const text = [row("1", "Hi", "INTJ", "UH"), row("1", "Bye", "INTJ", "UH")].join("\n");
    expect(() => readConllu({ text, name: "f" })).toThrow(/^f:2: expected word ID 2 .* got 1; is a blank line missing/);
  });

  it("rejects an empty tag column", () => {
    expect(() => readConllu({ text: row("1", "Hi", "", "UH"), name: "f" })).toThrow(/^f:1: expected UPOS and XPOS/);
  });

  it("accepts a file without the final blank line", () => {
    expect(readConllu({ text: row("1", "Hi", "INTJ", "UH") })).toHaveLength(1);
  });
});

const train = realFile("ud-english-ewt", "en_ewt-ud-train.conllu");
describe.skipIf(!train)("readConllu on UD English EWT (real files)", () => {
  it.each([
    ["train", 12_544, 204_577],
    ["dev", 2_001, 25_147],
    ["test", 2_077, 25_094],
  ])("%s has %i sentences and %i words (DATA.md)", (split, sentences, words) => {
    const read = readConllu({ path: realFile("ud-english-ewt", `en_ewt-ud-${split}.conllu`) ?? "" });
    expect(read).toHaveLength(sentences);
    expect(read.reduce((n, s) => n + s.tokens.length, 0)).toBe(words);
  });

  it("has the 17 universal POS tags in train", () => {
    const tags = new Set(readConllu({ path: train ?? "" }).flatMap((s) => s.upos));
    expect([...tags].sort()).toEqual([
      "ADJ",
      "ADP",
      "ADV",
      "AUX",
      "CCONJ",
      "DET",
      "INTJ",
      "NOUN",
      "NUM",
      "PART",
      "PRON",
      "PROPN",
      "PUNCT",
      "SCONJ",
      "SYM",
      "VERB",
      "X",
    ]);
  });
});
