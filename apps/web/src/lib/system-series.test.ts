import { describe, expect, it } from "vitest";
import { summarizeSystem } from "./system-series";

describe("summarizeSystem", () => {
  it("keeps sys/* series with their last value and maximum", () => {
    const { rows, outages } = summarizeSystem([
      { key: "sys/rss_mb", steps: [5, 10], values: [300, 280] },
      { key: "train/loss", steps: [1], values: [2] },
    ]);
    expect(rows).toEqual([{ name: "rss_mb", last: 280, max: 300 }]);
    expect(outages).toBeUndefined();
  });

  it("counts the database outages and their longest, from the worker's sys/db_unreachable_seconds", () => {
    const { outages } = summarizeSystem([{ key: "sys/db_unreachable_seconds", steps: [120, 900], values: [10.4, 2.5] }]);
    expect(outages).toEqual({ count: 2, longestSeconds: 10.4, lastStep: 900 });
  });
});
