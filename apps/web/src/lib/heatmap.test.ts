import { describe, expect, it } from "vitest";
import { divergingColor, gradNormMatrix, heatColor, linearRange, logRange, lossMatrix, rowLabel, traceScale, unitsLike, type GradDoc } from "./heatmap";

const doc = (norms: number[], c?: number[]): GradDoc => ({
  positions: norms.length,
  batch: 2,
  rows: [
    { layer: 0, direction: "forward", state: "h", norms, initial: 0.1 },
    ...(c ? [{ layer: 0, direction: "forward" as const, state: "c" as const, norms: c, initial: 0.1 }] : []),
  ],
});

describe("gradNormMatrix", () => {
  it("puts positions on rows and steps (sorted) on columns, for the chosen row", () => {
    const m = gradNormMatrix(
      [
        { step: 20, data: doc([3, 4], [30, 40]) },
        { step: 10, data: doc([1, 2], [10, 20]) },
      ],
      "layer 0 c",
    );
    expect(m).toEqual({
      steps: [10, 20],
      positions: 2,
      values: [
        [10, 30],
        [20, 40],
      ],
    });
  });

  it("leaves gaps where a window was shorter or the row is missing", () => {
    const m = gradNormMatrix(
      [
        { step: 1, data: doc([1]) },
        { step: 2, data: doc([1, 2], [5, 6]) },
      ],
      "layer 0 c",
    );
    expect(m.values).toEqual([
      [null, 5],
      [null, 6],
    ]);
    expect(rowLabel({ layer: 1, direction: "backward", state: "h" })).toBe("layer 1 backward h");
  });
});

describe("heatColor", () => {
  it("spans the log range from dark (smallest) to yellow (largest); zeros are grey", () => {
    const r = logRange([[1e-12, 1, null, 0]]);
    expect(r).toEqual({ min: -12, max: 0 });
    expect(heatColor(1e-12, r)).toBe("rgb(68, 1, 84)");
    expect(heatColor(1, r)).toBe("rgb(253, 231, 37)");
    expect(heatColor(1e-6, r)).toBe("rgb(33, 145, 140)");
    expect(heatColor(0, r)).toBe("#eef0f3");
  });
});

describe("lossMatrix", () => {
  it("positions on rows, steps on columns; a linear colour scale over the values", () => {
    const m = lossMatrix([
      { step: 2, data: { basis: "window", loss: [3, 2], count: [4, 4] } },
      { step: 1, data: { basis: "window", loss: [4, 3], count: [4, 4] } },
    ]);
    expect(m).toEqual({
      steps: [1, 2],
      positions: 2,
      values: [
        [4, 3],
        [3, 2],
      ],
    });
    const r = linearRange(m.values);
    expect(r).toEqual({ min: 2, max: 4 });
    expect(heatColor(2, r, false)).toBe("rgb(68, 1, 84)");
    expect(heatColor(4, r, false)).toBe("rgb(253, 231, 37)");
  });
});

describe("divergingColor", () => {
  it("is white at 0, full blue at -max and full red at +max; c is scaled by its own largest value", () => {
    expect(divergingColor(0, 1)).toBe("rgb(255, 255, 255)");
    expect(divergingColor(-1, 1)).toBe("rgb(37, 99, 235)");
    expect(divergingColor(3, 2)).toBe("rgb(220, 38, 38)");
    expect(
      traceScale("c", [
        [-3, 1],
        [2, 0],
      ]),
    ).toBe(3);
    expect(traceScale("h", [[-3, 1]])).toBe(1);
  });
});

describe("unitsLike", () => {
  it("ranks units by how much higher they are on the marked tokens than on the rest", () => {
    const values = [
      [0, 0, 0, 0], // flat
      [-1, 1, -1, 1], // on at tokens 1 and 3
      [1, -1, 1, -1], // the opposite
      [0, 0.5, 0, 0.2],
    ];
    expect(unitsLike(values, new Set([1, 3]), 2)).toEqual([
      { unit: 1, score: 2 },
      { unit: 3, score: 0.35 },
    ]);
    expect(unitsLike(values, new Set())).toEqual([]);
    expect(unitsLike(values, new Set([0, 1, 2, 3]))).toEqual([]);
  });
});
