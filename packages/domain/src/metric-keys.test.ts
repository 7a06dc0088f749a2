import { describe, expect, it } from "vitest";
import { ALL_MAIN_METRICS, DB_UNREACHABLE_KEY, mainMetricKeys, summaryKey } from "./metric-keys.js";

describe("metric keys", () => {
  it("judges each task by its own validation metric, preferred first", () => {
    expect(mainMetricKeys("lm")).toEqual(["valid/perplexity"]);
    expect(mainMetricKeys("tagger")).toEqual(["valid/f1", "valid/accuracy"]);
    expect(mainMetricKeys("classifier")).toEqual(["valid/accuracy", "valid/macroF1"]);
    expect(mainMetricKeys(null)).toEqual([]);
    expect(mainMetricKeys("toString")).toEqual([]);
    expect(ALL_MAIN_METRICS).toEqual(["valid/perplexity", "valid/f1", "valid/accuracy", "valid/macroF1"]);
  });

  it("names the summary's keys and the database outage series", () => {
    expect(summaryKey("valid/perplexity")).toBe("valid_perplexity");
    expect(DB_UNREACHABLE_KEY).toBe("sys/db_unreachable_seconds");
  });
});
