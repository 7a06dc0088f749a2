import { describe, expect, it } from "vitest";
import { groupR2, importance, pearson, quantileBins } from "../src/importance.js";

describe("parameter importance", () => {
  it("correlates numbers (Pearson) and is undefined without spread", () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
  });

  it("explains variance by group means (R²)", () => {
    expect(groupR2(["a", "a", "b", "b"], [1, 1, 5, 5])).toBe(1);
    expect(groupR2(["a", "b", "a", "b"], [1, 1, 5, 5])).toBe(0);
    expect(quantileBins([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)).toEqual(["0", "0", "1", "1", "2", "2", "3", "3", "4", "4"]);
  });

  it("ranks the key that drives the metric first, a noise key near zero", () => {
    // metric = 10 * lr, cell alternates independently of it
    const rows = Array.from({ length: 40 }, (_, i) => ({
      values: [(i % 10) / 10, i % 2 ? "gru" : "lstm", 3] as (number | string)[],
      metric: (i % 10) + (i % 3) * 0.01,
    }));
    const [lr, cell, constant] = importance(["train.lr", "model.cell", "model.layers"], rows);
    expect(lr!.correlation!).toBeGreaterThan(0.99);
    expect(lr!.importance!).toBeGreaterThan(0.95);
    expect(cell!.importance!).toBeLessThan(0.05);
    expect(cell!.correlation!).toBeGreaterThanOrEqual(0);
    expect(constant).toEqual({ key: "model.layers", correlation: null, r2: null, importance: null });
  });
});
