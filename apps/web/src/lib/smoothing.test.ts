import { describe, expect, it } from "vitest";
import { emaDebiased, toPoints } from "./smoothing";

describe("emaDebiased", () => {
  it("is the identity at weight 0 and keeps a constant series constant (debiased)", () => {
    expect(emaDebiased([1, 2, 3], 0)).toEqual([1, 2, 3]);
    for (const v of emaDebiased([5, 5, 5, 5], 0.9)) expect(v).toBeCloseTo(5, 12);
  });

  it("matches TensorBoard's formula", () => {
    const w = 0.6;
    const [a, b] = emaDebiased([10, 20], w);
    expect(a).toBeCloseTo(10, 12); // (0.4*10) / (1-0.6)
    expect(b).toBeCloseTo((0.4 * 10 * 0.6 + 0.4 * 20) / (1 - 0.36), 12);
  });

  it("keeps gaps and skips them in the average", () => {
    const out = emaDebiased([4, null, 4], 0.5);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(4, 12);
  });
});

describe("toPoints", () => {
  const s = { steps: [1, 2, 3], values: [3, 0, 1], wallTimes: [1000, 3000, 6000], epochs: [0.1, null, 0.3], tokens: [64, 128, 192] };
  it("maps the x-axis and drops points without an x value", () => {
    expect(toPoints(s, "wall", 0, false).map((p) => p.x)).toEqual([0, 2, 5]);
    expect(toPoints(s, "epoch", 0, false).map((p) => p.x)).toEqual([0.1, 0.3]);
    expect(toPoints(s, "tokens", 0, false).map((p) => p.x)).toEqual([64, 128, 192]);
  });
  it("hides non-positive values on a log axis", () => {
    expect(toPoints(s, "step", 0, true).map((p) => p.y)).toEqual([3, null, 1]);
  });
});
