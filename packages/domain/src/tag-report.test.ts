import { describe, expect, it } from "vitest";
import { entityTypeKey, summaryKey } from "./metric-keys.js";
import { entityTypeSeries, tagRecall, topConfusions, type TagReportDoc } from "./tag-report.js";

const doc: TagReportDoc = {
  decoding: "iob2",
  tokens: 20,
  tags: ["B-PER", "I-PER", "O"],
  confusion: [
    [3, 0, 2],
    [1, 1, 4],
    [0, 1, 8],
  ],
  entities: {
    overall: { gold: 5, predicted: 4, correct: 3, precision: 0.75, recall: 0.6, f1: 2 / 3 },
    byType: { PER: { gold: 5, predicted: 4, correct: 3, precision: 0.75, recall: 0.6, f1: 2 / 3 } },
  },
};

describe("tag reports", () => {
  it("names per-type series split/metric/TYPE, whose summary key is test_f1/PER", () => {
    expect(entityTypeKey("test", "f1", "PER")).toBe("test/f1/PER");
    expect(summaryKey(entityTypeKey("test", "f1", "PER"))).toBe("test_f1/PER");
    expect(entityTypeSeries("valid", doc)).toEqual({ "valid/precision/PER": 0.75, "valid/recall/PER": 0.6, "valid/f1/PER": 2 / 3 });
    expect(entityTypeSeries("test", { ...doc, entities: undefined })).toEqual({});
  });

  it("lists the largest off-diagonal confusions with their share of the gold tag, and each tag's recall", () => {
    expect(topConfusions(doc, 2)).toEqual([
      { gold: "I-PER", predicted: "O", count: 4, share: 4 / 6 },
      { gold: "B-PER", predicted: "O", count: 2, share: 2 / 5 },
    ]);
    expect(tagRecall(doc)).toEqual({ "B-PER": 3 / 5, "I-PER": 1 / 6, O: 8 / 9 });
  });
});
