import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { fixture, realFile } from "./test-paths.js";
import { readCharStream, readLines, readWordStream, splitWords } from "./text-reader.js";
import { EOS } from "./vocabulary.js";

describe("readLines / readWordStream", () => {
  it("keeps empty lines and ends every line with one end marker, as word_language_model does", () => {
    const source = { text: "a b\n\nc\n" };
    expect(readLines(source)).toEqual(["a b", "", "c"]);
    expect(readWordStream(source)).toEqual(["a", "b", EOS, EOS, "c", EOS]);
    expect(readWordStream(source, { eos: "<eos>" })).toEqual(["a", "b", "<eos>", "<eos>", "c", "<eos>"]);
  });

  it("splits words on Python's whitespace: U+FEFF stays inside a word, NBSP and NEL split", () => {
    expect(splitWords("a\uFEFFb c\u00a0d\u0085e\x1cf")).toEqual(["a\uFEFFb", "c", "d", "e", "f"]);
  });

  it("counts a last line without a newline and handles CRLF", () => {
    expect(readLines({ text: "a\r\nb" })).toEqual(["a", "b"]);
    expect(readLines({ text: "" })).toEqual([]);
  });

  it("reads the WikiText excerpt: 12 lines, <unk> kept, header lines, blank lines", () => {
    const words = readWordStream({ path: fixture("wikitext-excerpt.txt") });
    expect(words.filter((w) => w === EOS)).toHaveLength(12);
    expect(words.slice(0, 7)).toEqual([EOS, "=", "Valkyria", "Chronicles", "III", "=", EOS]);
    expect(words).toContain("<unk>");
  });

  it("rejects bytes that are not UTF-8, naming the line", () => {
    const path = join(tmpdir(), `unroll-bad-utf8-${process.pid}.txt`);
    writeFileSync(path, Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xff, 0xfe, 0x0a]));
    expect(() => readLines({ path })).toThrow(DataError);
    expect(() => readLines({ path })).toThrow(new RegExp(`${path}:3: expected UTF-8 text`));
  });

  it("names a missing file and what to check", () => {
    expect(() => readLines({ path: "/nonexistent/x.txt" })).toThrow(/\/nonexistent\/x\.txt: expected a readable file, got ENOENT/);
  });
});

describe("readCharStream", () => {
  it("returns the text with newlines, without a BOM", () => {
    expect(readCharStream({ text: "\uFEFFab\ncd\n" })).toBe("ab\ncd\n");
  });
});

const wikitextTrain = realFile("wikitext-2", "train.txt");
describe.skipIf(!wikitextTrain)("WikiText-2 (real files)", () => {
  it("has the token counts of DATA.md, one end marker per line included", () => {
    expect(readWordStream({ path: wikitextTrain ?? "" })).toHaveLength(2_088_628);
    expect(readWordStream({ path: realFile("wikitext-2", "valid.txt") ?? "" })).toHaveLength(217_646);
    expect(readWordStream({ path: realFile("wikitext-2", "test.txt") ?? "" })).toHaveLength(245_569);
  });
});

const shakespeare = realFile("tiny-shakespeare", "input.txt");
describe.skipIf(!shakespeare)("tiny Shakespeare (real file)", () => {
  it("is 1,115,394 characters of 65 distinct ones in 40,000 lines", () => {
    const text = readCharStream({ path: shakespeare ?? "" });
    expect(text).toHaveLength(1_115_394);
    expect(new Set(text).size).toBe(65);
    expect(readLines({ path: shakespeare ?? "" })).toHaveLength(40_000);
  });
});
