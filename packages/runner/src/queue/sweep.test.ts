import { describe, expect, it } from "vitest";
import { expandSweep, parseSweepAxis } from "./sweep.js";

describe("sweeps", () => {
  it("expands the grid product times seeds", () => {
    const runs = expandSweep([parseSweepAxis("model.cell=lstm,gru"), parseSweepAxis("model.tied=true,false")], 2, 10);
    expect(runs).toHaveLength(8);
    expect(runs[0]).toEqual(["model.cell=lstm", "model.tied=true", "train.seed=10"]);
    expect(runs[7]).toEqual(["model.cell=gru", "model.tied=false", "train.seed=11"]);
  });

  it("is one run with no overrides by default", () => {
    expect(expandSweep([], 1, 0)).toEqual([[]]);
  });

  it("rejects malformed axes with the expected form", () => {
    expect(() => parseSweepAxis("model.cell")).toThrow(/key=v1,v2/);
    expect(() => parseSweepAxis("model.cell=lstm,,gru")).toThrow(/empty value/);
    expect(() => expandSweep([parseSweepAxis("a=1"), parseSweepAxis("a=2")], 1, 0)).toThrow(/twice/);
    expect(() => expandSweep([], 0, 0)).toThrow(/positive integer/);
    expect(() => expandSweep([parseSweepAxis("train.seed=1,2")], 2, 0)).toThrow(/not both/);
  });
});
