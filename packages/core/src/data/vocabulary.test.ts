import { describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../errors.js";
import { BOS, EOS, PAD, UNK, Vocabulary } from "./vocabulary.js";

const counts = new Map([
  ["the", 5],
  ["cat", 2],
  ["sat", 2],
  ["on", 1],
  ["mat", 1],
]);

describe("Vocabulary.fromCounts", () => {
  it("puts specials first, then tokens by descending count with ties alphabetical", () => {
    const v = Vocabulary.fromCounts(counts);
    expect(v.tokens).toEqual([PAD, UNK, BOS, EOS, "the", "cat", "sat", "mat", "on"]);
    expect(v.idOf(PAD)).toBe(0);
  });

  it("is deterministic whatever the insertion order of the counts", () => {
    const reversed = new Map([...counts].reverse());
    expect(Vocabulary.fromCounts(reversed).tokens).toEqual(Vocabulary.fromCounts(counts).tokens);
  });

  it("drops tokens seen fewer than minFrequency times", () => {
    expect(Vocabulary.fromCounts(counts, { minFrequency: 2 }).tokens.slice(4)).toEqual(["the", "cat", "sat"]);
  });

  it("caps the size at maxSize, specials included", () => {
    const v = Vocabulary.fromCounts(counts, { maxSize: 6 });
    expect(v.size).toBe(6);
    expect(v.tokens.slice(4)).toEqual(["the", "cat"]);
  });

  it("does not count a special that occurs in the text twice", () => {
    const v = Vocabulary.fromCounts(
      new Map([
        [UNK, 9],
        ["a", 1],
      ]),
    );
    expect(v.tokens).toEqual([PAD, UNK, BOS, EOS, "a"]);
  });

  it("rejects a maxSize below the number of specials, naming the config field", () => {
    expect(() => Vocabulary.fromCounts(counts, { maxSize: 3 })).toThrow(ConfigError);
    expect(() => Vocabulary.fromCounts(counts, { maxSize: 3 })).toThrow(/tokenizer\.maxVocab: expected maxVocab .* at least 4 .* got 3/);
  });

  it("rejects a fractional maxSize and a minFrequency below 1", () => {
    expect(() => Vocabulary.fromCounts(counts, { maxSize: 5.5 })).toThrow(/got 5\.5/);
    expect(() => Vocabulary.fromCounts(counts, { minFrequency: 0 })).toThrow(/tokenizer\.minFrequency/);
  });
});

describe("Vocabulary", () => {
  const v = Vocabulary.fromCounts(counts);

  it("encodes unknown tokens as <unk> and decodes ids back", () => {
    const ids = v.encode(["the", "dog", "sat"]);
    expect(ids).toEqual([4, 1, 6]);
    expect(v.decode(ids)).toEqual(["the", UNK, "sat"]);
  });

  it("throws on an unknown token when there is no <unk>", () => {
    const tags = new Vocabulary([PAD, "NOUN"], [PAD]);
    expect(() => tags.idOf("VERB")).toThrow(DataError);
    expect(() => tags.idOf("VERB")).toThrow(/"VERB".*no <unk>/);
  });

  it("throws on an id outside the vocabulary, saying the valid range", () => {
    expect(() => v.tokenOf(99)).toThrow(/expected a token id from 0 to 8, got 99/);
    expect(() => v.tokenOf(-1)).toThrow(DataError);
  });

  it("round-trips through JSON", () => {
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.specials).toEqual(v.specials);
    expect(back.idOf("mat")).toBe(v.idOf("mat"));
  });

  it("rejects duplicate tokens, missing specials and <pad> away from id 0", () => {
    expect(() => new Vocabulary(["a", "a"])).toThrow(/"a" twice \(ids 0 and 1\)/);
    expect(() => new Vocabulary(["a"], [UNK])).toThrow(ConfigError);
    expect(() => new Vocabulary([UNK, PAD], [UNK, PAD])).toThrow(/expected <pad> at id 0, got id 1/);
  });

  it("rejects malformed JSON with a message saying how it should look", () => {
    expect(() => Vocabulary.fromJSON({} as never)).toThrow(/`tokens` array/);
    expect(() => Vocabulary.fromJSON({ tokens: ["a"], specials: "x" } as never)).toThrow(/specials/);
  });
});
