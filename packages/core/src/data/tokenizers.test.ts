import { describe, expect, it } from "vitest";
import { ConfigError, DataError } from "../errors.js";
import { CharTokenizer } from "./char-tokenizer.js";
import { createTokenizer, tokenizerFromJSON } from "./tokenizers.js";
import { EOS, PAD, UNK } from "./vocabulary.js";
import { WordTokenizer } from "./word-tokenizer.js";

describe("CharTokenizer", () => {
  it("splits into code points and joins back with nothing", () => {
    const t = new CharTokenizer();
    expect(t.tokenize("ab c\n")).toEqual(["a", "b", " ", "c", "\n"]);
    expect(t.tokenize("a😀")).toEqual(["a", "😀"]);
    const text = "First Citizen:\nBefore we proceed";
    expect(t.detokenize(t.tokenize(text))).toBe(text);
  });

  it("fits a vocabulary of specials plus characters and round-trips text through ids", () => {
    const t = new CharTokenizer();
    const v = t.fit(["hello", "world"]);
    expect(v.tokens.slice(0, 4)).toEqual([PAD, UNK, "<s>", EOS]);
    expect(v.tokens.slice(4)).toEqual(["l", "o", "d", "e", "h", "r", "w"]);
    expect(t.decode(t.encode("hello"))).toBe("hello");
    expect(t.decode(t.encode("help"))).toBe(`hel${UNK}`);
  });

  it("refuses the lowercase option, which is for words", () => {
    expect(() => new CharTokenizer({ lowercase: true })).toThrow(ConfigError);
    expect(() => new CharTokenizer({ lowercase: true })).toThrow(/tokenizer\.lowercase: .*drop the option or use the word tokenizer/);
  });

  it("says to fit first when used without a vocabulary", () => {
    expect(() => new CharTokenizer().encode("a")).toThrow(/call fit\(trainTexts\) first/);
  });
});

describe("WordTokenizer", () => {
  it("splits on runs of whitespace and joins with single spaces", () => {
    const t = new WordTokenizer();
    expect(t.tokenize("  the cat\tsat \n")).toEqual(["the", "cat", "sat"]);
    expect(t.detokenize(["the", "cat"])).toBe("the cat");
  });

  it("lowercases when asked, in tokenize and in encodeTokens", () => {
    const t = new WordTokenizer({ lowercase: true });
    expect(t.tokenize("The CAT")).toEqual(["the", "cat"]);
    t.fit(["the cat"]);
    expect(t.encodeTokens(["The", "Cat"])).toEqual(t.encode("the cat"));
  });

  it("maps unseen and rare words to <unk> (minFrequency) and caps the vocabulary (maxVocab)", () => {
    const t = new WordTokenizer({ minFrequency: 2 });
    t.fit(["a a b", "a c c"]);
    expect(t.vocabulary.tokens.slice(4)).toEqual(["a", "c"]);
    expect(t.decode(t.encode("a b c d"))).toBe(`a ${UNK} c ${UNK}`);
    const capped = new WordTokenizer({ maxVocab: 5 });
    capped.fit(["a a b", "a c c"]);
    expect(capped.vocabulary.tokens.slice(4)).toEqual(["a"]);
  });

  it("round-trips already tokenized text", () => {
    const t = new WordTokenizer();
    const text = "the game began development in 2010 , carrying over";
    t.fit([text]);
    expect(t.decode(t.encode(text))).toBe(text);
  });
});

describe("tokenizer JSON", () => {
  it("restores kind, options and vocabulary so ids agree", () => {
    for (const t of [createTokenizer("word", { lowercase: true, minFrequency: 1 }), createTokenizer("char")]) {
      t.fit(["To be, or not to be"]);
      const back = tokenizerFromJSON(JSON.parse(JSON.stringify(t.toJSON())));
      expect(back.kind).toBe(t.kind);
      expect(back.options).toEqual(t.options);
      expect(back.vocabulary.tokens).toEqual(t.vocabulary.tokens);
      expect(back.encode("to be or not")).toEqual(t.encode("to be or not"));
    }
  });

  it("rejects malformed JSON with the path of the problem", () => {
    expect(() => tokenizerFromJSON({ kind: "bpe", options: {}, vocabulary: { tokens: [], specials: [] } })).toThrow(DataError);
    expect(() => tokenizerFromJSON({ kind: "bpe", options: {}, vocabulary: { tokens: [], specials: [] } })).toThrow(/at kind/);
    expect(() => tokenizerFromJSON({ kind: "word", options: {} })).toThrow(/at vocabulary/);
  });
});
