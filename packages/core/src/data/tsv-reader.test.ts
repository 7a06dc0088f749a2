import { describe, expect, it } from "vitest";
import { DataError } from "../errors.js";
import { fixture, realFile } from "./test-paths.js";
import { labelSet, readTsv } from "./tsv-reader.js";

describe("readTsv", () => {
  it("reads the SST-2 excerpt: text and string label per line, no header", () => {
    const rows = readTsv({ path: fixture("sst2-excerpt.tsv") });
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      text: "a stirring , funny and finally transporting re imagining of beauty and the beast and 1930s horror films",
      label: "1",
      line: 1,
    });
    expect(rows[1]?.label).toBe("0");
  });

  it("skips a GLUE-style header and blank lines", () => {
    expect(readTsv({ text: "sentence\tlabel\ngood\t1\n\nbad\t0" }).map((r) => [r.text, r.label, r.line])).toEqual([
      ["good", "1", 2],
      ["bad", "0", 4],
    ]);
  });

  it("rejects a row without exactly one tab, and empty text or label, with file and line", () => {
    expect(() => readTsv({ text: "good\t1\nbad 0\n", name: "x.tsv" })).toThrow(DataError);
    expect(() => readTsv({ text: "good\t1\nbad 0\n", name: "x.tsv" })).toThrow(/^x\.tsv:2: expected 2 tab-separated columns \(text, label\), got 1/);
    expect(() => readTsv({ text: "a\tb\tc\n", name: "x.tsv" })).toThrow(/^x\.tsv:1: .*got 3/);
    expect(() => readTsv({ text: "good\t1\n\t0\n", name: "x.tsv" })).toThrow(/^x\.tsv:2: expected text/);
    expect(() => readTsv({ text: "good\t\n", name: "x.tsv" })).toThrow(/^x\.tsv:1: expected a label/);
  });
});

describe("labelSet", () => {
  it("orders integer labels numerically and others by code point, whatever the input order", () => {
    expect(labelSet(["10", "2", "1", "2"])).toEqual(["1", "2", "10"]);
    expect(labelSet(["pos", "neg", "neutral", "neg"])).toEqual(["neg", "neutral", "pos"]);
  });
});

const train = realFile("sst2", "train.tsv");
describe.skipIf(!train)("readTsv on SST-2 (real files)", () => {
  it.each([
    ["train", 6_920],
    ["dev", 872],
    ["test", 1_821],
  ])("%s has %i labelled sentences, labels 0 and 1", (split, count) => {
    const rows = readTsv({ path: realFile("sst2", `${split}.tsv`) ?? "" });
    expect(rows).toHaveLength(count);
    expect(labelSet(rows.map((r) => r.label))).toEqual(["0", "1"]);
  });
});
