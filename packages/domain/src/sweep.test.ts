import { describe, expect, it } from "vitest";
import { describeSweepSize, sweepOverrides, sweepProblems, sweepRuns, sweepSize } from "./sweep.js";
import { baseRunName, runName } from "./run-names.js";

const base = { task: "lm", model: { cell: "lstm" }, train: { seed: 10 } };

describe("sweep planning", () => {
  it("expands the grid product times seeds, each point's seeds together", () => {
    const runs = sweepOverrides(
      [
        { key: "model.cell", values: ["lstm", "gru"] },
        { key: "model.tied", values: ["true", "false"] },
      ],
      2,
      10,
    );
    expect(runs).toHaveLength(8);
    expect(runs[0]).toEqual(["model.cell=lstm", "model.tied=true", "train.seed=10"]);
    expect(runs[1]).toEqual(["model.cell=lstm", "model.tied=true", "train.seed=11"]);
    expect(runs[7]).toEqual(["model.cell=gru", "model.tied=false", "train.seed=11"]);
  });

  it("is one run with no overrides by default, and keeps the base seed with one seed", () => {
    expect(sweepOverrides([], 1, 0)).toEqual([[]]);
    expect(sweepOverrides([{ key: "train.lr", values: ["0.1"] }], 1, 7)).toEqual([["train.lr=0.1"]]);
  });

  it("names runs from the config's name, or task and cell, and what each run changes", () => {
    expect(sweepRuns({ ...base, name: "tiny" }, [{ key: "model.cell", values: ["lstm", "gru"] }], 2).map((r) => r.name)).toEqual([
      "tiny cell=lstm seed=10",
      "tiny cell=lstm seed=11",
      "tiny cell=gru seed=10",
      "tiny cell=gru seed=11",
    ]);
    expect(sweepRuns(base, [], 1)).toEqual([{ name: "lm lstm", overrides: [] }]);
    expect(baseRunName({ task: "tagger", model: { cell: "gru" } })).toBe("tagger gru");
    expect(runName("char-lstm", ["model.tied=false", 'sample.prompts=["a.b"]'])).toBe('char-lstm tied=false prompts=["a.b"]');
    expect(runName("x", ["name=a.b"])).toBe("x name=a.b");
  });

  it("lets a train.seed axis list the seeds by hand, with one seed only", () => {
    expect(sweepProblems([{ key: "train.seed", values: ["1", "7"] }], 1)).toEqual([]);
    expect(sweepOverrides([{ key: "train.seed", values: ["1", "7"] }], 1, 0)).toEqual([["train.seed=1"], ["train.seed=7"]]);
    expect(sweepProblems([{ key: "train.seed", values: ["1", "2"] }], 2)).toEqual([{ kind: "seed-axis-with-seeds", axis: 0, seeds: 2 }]);
  });

  it("finds every problem of the grid, in axis order", () => {
    const problems = sweepProblems(
      [
        { key: "model.cell", values: [] },
        { key: "train.lr", values: ["0.1", "0.1"] },
        { key: "model.cell", values: ["gru"] },
      ],
      0,
    );
    expect(problems).toEqual([
      { kind: "seeds", seeds: 0 },
      { kind: "no-values", axis: 0, key: "model.cell" },
      { kind: "value-twice", axis: 1, key: "train.lr", value: "0.1" },
      { kind: "key-twice", axis: 2, key: "model.cell" },
    ]);
    expect(sweepProblems([], 2.5)).toEqual([{ kind: "seeds", seeds: 2.5 }]);
  });

  it("sizes the sweep before it is built", () => {
    const grid = [
      { key: "train.lr", values: ["1", "2", "3"] },
      { key: "train.clip", values: ["1", "2"] },
    ];
    expect(sweepSize(grid, 4)).toBe(24);
    expect(describeSweepSize(grid, 4)).toBe("3 train.lr x 2 train.clip x 4 seeds");
    expect(describeSweepSize([], 1)).toBe("1 seed");
  });
});
