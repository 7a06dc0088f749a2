import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { readIob2 } from "./iob2-reader.js";
import { fixture, realFile } from "./test-paths.js";

describe("readIob2 on the Universal NER excerpt", () => {
  const sentences = readIob2({ path: fixture("uner-excerpt.iob2") });

  it("reads 2 sentences of (token, tag), skipping comments", () => {
    expect(sentences).toHaveLength(2);
    expect(sentences[0]?.tokens.slice(0, 4)).toEqual(["where", "can", "I", "get"]);
    expect(sentences[0]?.tokens).toHaveLength(24);
    expect(sentences[0]?.tags.slice(5, 9)).toEqual(["O", "B-LOC", "I-LOC", "O"]);
    expect(sentences[0]?.line).toBe(4);
  });

  it("keeps PER and ORG spans", () => {
    const tags = sentences[1]?.tags ?? [];
    expect(tags.slice(0, 3)).toEqual(["B-PER", "I-PER", "O"]);
    expect(tags.filter((t) => t.endsWith("-ORG"))).toEqual(["B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG"]);
  });
});

describe("readIob2 on other layouts and malformed input", () => {
  it("reads a two-column token<TAB>tag file", () => {
    expect(readIob2({ text: "John\tB-PER\nran\tO\n\nParis\tB-LOC\n" })).toEqual([
      { tokens: ["John", "ran"], tags: ["B-PER", "O"], line: 1 },
      { tokens: ["Paris"], tags: ["B-LOC"], line: 4 },
    ]);
  });

  it("rejects a tag that is not O, B-X or I-X, with file and line", () => {
    const text = "1\tJohn\tB-PER\t-\t-\n2\tSmith\tE-PER\t-\t-\n";
    const read = () => readIob2({ text, name: "ner.iob2" });
    expect(read).toThrow(DataError);
    expect(read).toThrow(/^ner\.iob2:2: expected an IOB2 tag .* got something else; fix the tag column$/);
    // The file's text travels beside the message, never in it (a run's error reaches the dashboard).
    expect(caught(read)).toMatchObject({ line: 2, excerpt: "E-PER", message: expect.not.stringContaining("E-PER") });
    expect(caught(() => readIob2({ text: "John\tPER\n", name: "n" }))).toMatchObject({ line: 1, excerpt: "PER", message: expect.not.stringContaining('PER"') });
    expect(caught(() => readIob2({ text: "John\tB-\n", name: "n" }))).toMatchObject({ excerpt: "B-", message: expect.not.stringContaining('B-"') });
  });

  it("leaves a malformed line's text out of the message and keeps it as the excerpt", () => {
    const e = caught(() => readIob2({ text: "# c\n1\tsecret words here\tB-PER\n", name: "n" }));
    expect(e.message).toBe(
      "n:2: expected 5 tab-separated columns (id, token, tag, -, annotator; Universal NER) or 2 (token, tag), got 3; separate columns with tabs and sentences with a blank line",
    );
    expect(e.excerpt).toBe("1\tsecret words here\tB-PER");
  });

  it("rejects a line with 3 or 4 columns, or spaces instead of tabs", () => {
    expect(() => readIob2({ text: "# c\n1\tJohn\tB-PER\n", name: "n" })).toThrow(/^n:2: expected 5 tab-separated columns .* or 2 .*got 3/);
    expect(() => readIob2({ text: "John B-PER\n", name: "n" })).toThrow(/^n:1: .*got 1/);
  });
});

const dev = realFile("uner-english-ewt", "en_ewt-ud-dev.iob2");
describe.skipIf(!dev)("readIob2 on Universal NER English EWT (real files)", () => {
  it.each([
    ["dev", 2_001],
    ["test", 2_077],
  ])("%s has %i sentences, tagged with LOC, PER and ORG only", (split, count) => {
    const sentences = readIob2({ path: realFile("uner-english-ewt", `en_ewt-ud-${split}.iob2`) ?? "" });
    expect(sentences).toHaveLength(count);
    const types = new Set(
      sentences
        .flatMap((s) => s.tags)
        .filter((t) => t !== "O")
        .map((t) => t.slice(2)),
    );
    expect([...types].sort()).toEqual(["LOC", "ORG", "PER"]);
    for (const s of sentences) expect(s.tokens).toHaveLength(s.tags.length);
  });
});

function caught(f: () => unknown): DataError {
  try {
    f();
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error("expected a DataError, got none");
}
