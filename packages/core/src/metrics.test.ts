import { describe, expect, it } from "vitest";
import { DataError, ShapeError, TrainingError } from "./errors.js";
import { accuracy, confusionMatrix, entityScores, extractEntities, macroF1, perplexity, taggingReport, tokenAccuracy } from "./metrics.js";

describe("tokenAccuracy", () => {
  it("skips positions whose gold is padding (id 0), whatever was predicted there", () => {
    expect(tokenAccuracy([1, 2, 3, 5, 0], [1, 2, 4, 0, 0])).toBeCloseTo(2 / 3, 12);
    expect(tokenAccuracy(Int32Array.from([7, 7]), Int32Array.from([7, 9]), { ignore: -1 })).toBe(0.5);
  });

  it("is 0 when everything is padding and throws on different lengths", () => {
    expect(tokenAccuracy([1], [0])).toBe(0);
    expect(() => tokenAccuracy([1, 2], [1])).toThrow(ShapeError);
  });
});

describe("classification metrics", () => {
  const gold = [0, 0, 1, 1, 2];
  const predicted = [0, 1, 1, 1, 0];

  it("accuracy", () => {
    expect(accuracy(predicted, gold)).toBeCloseTo(0.6, 12);
  });

  it("confusion matrix, rows gold and columns predicted", () => {
    expect(confusionMatrix(predicted, gold, 3)).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    expect(() => confusionMatrix([3], [0], 3)).toThrow(/class ids from 0 to 2, got gold 0 and predicted 3/);
  });

  it("macro-F1: mean of per-class F1 (0.5, 0.8, 0)", () => {
    // class 0: P 1/2 R 1/2 F 0.5; class 1: P 2/3 R 1 F 0.8; class 2: never predicted, F 0
    expect(macroF1(predicted, gold)).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
    expect(macroF1([1, 1], [1, 1])).toBe(1);
  });
});

describe("perplexity", () => {
  it("is exp of the mean NLL in nats", () => {
    expect(perplexity(Math.log(100))).toBeCloseTo(100, 9);
    expect(perplexity(0)).toBe(1);
  });

  it("refuses a NaN or negative loss", () => {
    expect(() => perplexity(Number.NaN)).toThrow(TrainingError);
    expect(() => perplexity(-1)).toThrow(/got -1/);
  });
});

describe("extractEntities (conlleval chunking)", () => {
  it("starts an entity at B-, and at an I- after O or after another type", () => {
    expect(extractEntities(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC", "I-ORG"])).toEqual([
      { type: "PER", start: 0, end: 1 },
      { type: "LOC", start: 3, end: 3 },
      { type: "LOC", start: 4, end: 5 },
      { type: "ORG", start: 6, end: 6 },
    ]);
    expect(extractEntities(["B-PER", "B-PER"])).toHaveLength(2);
    expect(extractEntities(["O", "O"])).toEqual([]);
  });

  it("rejects a tag that is not IOB2", () => {
    expect(() => extractEntities(["O", "PER"])).toThrow(DataError);
    expect(() => extractEntities(["O", "PER"])).toThrow(/got "PER" at position 1/);
  });
});

describe("entityScores", () => {
  it("counts an entity correct only when type and span match exactly (conlleval)", () => {
    const gold = [
      ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "B-ORG"],
      ["B-PER", "I-PER"],
    ];
    const predicted = [
      ["B-PER", "I-PER", "O", "B-LOC", "O", "O", "I-ORG"], // PER right, LOC too short, ORG right (I- after O starts it)
      ["B-PER", "I-LOC"], // PER cut short and a spurious LOC
    ];
    const s = entityScores(predicted, gold);
    expect({ gold: s.gold, predicted: s.predicted, correct: s.correct }).toEqual({ gold: 4, predicted: 5, correct: 2 });
    expect(s.precision).toBeCloseTo(0.4, 12);
    expect(s.recall).toBeCloseTo(0.5, 12);
    expect(s.f1).toBeCloseTo((2 * 0.4 * 0.5) / 0.9, 12);
    expect(s.byType.ORG).toEqual({ gold: 1, predicted: 1, correct: 1, precision: 1, recall: 1, f1: 1 });
    expect(s.byType.LOC).toEqual({ gold: 1, predicted: 2, correct: 0, precision: 0, recall: 0, f1: 0 });
    expect(s.byType.PER).toMatchObject({ gold: 2, predicted: 2, correct: 1, precision: 0.5, recall: 0.5 });
  });

  it("does not join entities across sentences", () => {
    const s = entityScores([["B-PER"], ["I-PER"]], [["B-PER"], ["I-PER"]]);
    expect(s.gold).toBe(2);
    expect(s.f1).toBe(1);
  });

  it("is 0 with no entities, and throws when a sentence's lengths differ", () => {
    expect(entityScores([["O"]], [["O"]])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(() => entityScores([["O"]], [["O", "O"]])).toThrow(/sentence 0/);
  });
});

describe("entityScores against conlleval", () => {
  it("gives conlleval's counts on invalid IOB2 on both sides (conlleval.pl: gold 5, found 6, correct 3; LOC 2/2/1, ORG 2/2/1, PER 1/2/1)", () => {
    // the case as conlleval reads it (word gold guess), sentences apart; counts printed by the perl script
    const gold = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC"], ["I-ORG", "I-ORG", "B-ORG", "O"], ["B-LOC"]];
    const predicted = [["I-PER", "I-PER", "I-LOC", "B-ORG", "I-ORG"], ["B-ORG", "I-ORG", "I-PER", "O"], ["I-LOC"]];
    const s = entityScores(predicted, gold);
    expect({ gold: s.gold, predicted: s.predicted, correct: s.correct }).toEqual({ gold: 5, predicted: 6, correct: 3 });
    const counts = Object.fromEntries(Object.entries(s.byType).map(([t, c]) => [t, [c.gold, c.predicted, c.correct]]));
    expect(counts).toEqual({ LOC: [2, 2, 1], ORG: [2, 2, 1], PER: [1, 2, 1] });
  });
});

describe("taggingReport", () => {
  const tags = ["<pad>", "B-PER", "I-PER", "O"];
  it("has the confusion without specials (gold rows, predicted columns) and entity scores by type for IOB2", () => {
    const gold = [
      [1, 2, 3],
      [3, 1],
    ];
    const predicted = [
      [1, 3, 3],
      [1, 1],
    ];
    const r = taggingReport(predicted, gold, tags, { decoding: "iob2", argmaxInvalid: 2 });
    expect(r.tags).toEqual(["B-PER", "I-PER", "O"]);
    expect(r.confusion).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 1],
    ]);
    expect(r.tokens).toBe(5);
    expect(r.argmaxInvalid).toBe(2);
    // gold PER [0, 1] and [1]; predicted PER [0], [0] and [1] of the second sentence
    expect(r.entities?.byType.PER).toMatchObject({ gold: 2, predicted: 3, correct: 1, recall: 0.5 });
    expect(r.entities?.byType.PER?.precision).toBeCloseTo(1 / 3, 12);
    expect(r.entities?.overall).toMatchObject({ gold: 2, predicted: 3, correct: 1 });
  });

  it("has no entity scores for a tag set that is not IOB2 (POS)", () => {
    const r = taggingReport([[1, 2]], [[1, 1]], ["<pad>", "NOUN", "VERB"], { decoding: "argmax" });
    expect(r.entities).toBeUndefined();
    expect(r.confusion).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });
});
