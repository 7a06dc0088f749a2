import { describe, expect, it } from "vitest";
import { checkConfig } from "@unroll/domain";
import { configSections, getAt, leafPaths, parseInput, setAt } from "./schema-form";

describe("configSections", () => {
  const sections = configSections();
  it("has the general fields, the data union and one section per object", () => {
    expect(sections.map((s) => s.key)).toEqual(["", "data", "tokenizer", "model", "train", "sample"]);
    expect(sections[0]!.fields.map((f) => f.path)).toEqual(["name", "task"]);
    expect(sections[1]!.branches!.map((b) => b.fields.map((f) => f.key))).toEqual([
      ["corpus", "tagColumn", "devAsTrain", "vectors"],
      ["format", "train", "valid", "test", "tagColumn", "vectors"],
    ]);
  });
  it("carries kinds, options, defaults and bounds from the schema", () => {
    const leaves = new Map(leafPaths(sections).map((f) => [f.path, f]));
    expect(leaves.get("model.cell")).toMatchObject({ kind: "enum", options: ["elman", "lstm", "gru"], default: "lstm" });
    expect(leaves.get("model.layers")).toMatchObject({ kind: "integer", min: 1, max: 8 });
    expect(leaves.get("model.dropout")).toMatchObject({ kind: "number", min: 0, exclusiveMax: 1 });
    expect(leaves.get("model.tied")).toMatchObject({ kind: "boolean", default: false });
    expect(leaves.get("sample.prompts")!.kind).toBe("strings");
    expect(leaves.get("train.lr")!.description).toMatch(/Learning rate/);
  });
  it("gives a nested object's fields their own inputs (model.chars), which make a valid config", () => {
    const leaves = new Map(leafPaths(sections).map((f) => [f.path, f]));
    expect(leaves.has("model.chars")).toBe(false);
    expect(leaves.get("model.chars.hiddenSize")).toMatchObject({ key: "chars.hiddenSize", kind: "integer" });
    const draft = setAt({ task: "tagger", data: { corpus: "ud-english-ewt" } }, "model.chars.hiddenSize", parseInput("integer", "50"));
    expect(draft).toEqual({ task: "tagger", data: { corpus: "ud-english-ewt" }, model: { chars: { hiddenSize: 50 } } });
    expect(checkConfig(draft).ok).toBe(true);
  });
});

describe("drafts", () => {
  it("sets and unsets nested values, dropping empty sections", () => {
    let d = setAt({}, "model.hiddenSize", 32);
    expect(d).toEqual({ model: { hiddenSize: 32 } });
    d = setAt(d, "model.hiddenSize", undefined);
    expect(d).toEqual({});
    expect(getAt({ a: { b: 1 } }, "a.b")).toBe(1);
  });
  it("leaves text that is not a number for the schema to reject, with the field's path", () => {
    const draft = setAt({ task: "lm", data: { corpus: "tiny-shakespeare" } }, "train.lr", parseInput("number", "fast"));
    const result = checkConfig(draft);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]!.path).toBe("train.lr");
  });
});
