// A tagger's evaluation decodes IOB2 tag sets with the constrained decoder and keeps a report
// (confusion, entity scores by type) that the trainer emits after each validation and the test.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "../cells/testing.js";
import { Tagger } from "../models/tagger.js";
import type { TrainEvent } from "./events.js";
import { TaggerTask } from "./sequence-tasks.js";
import { train } from "./trainer.js";

beforeAll(useCpu);

const TAGS = ["<pad>", "B-LOC", "B-PER", "I-LOC", "I-PER", "O"];

/** A stand-in tagger whose log-probabilities depend on the token alone: row `id` of `table`. */
function lookupTagger(table: number[][]): Tagger {
  const logits = tf.log(tf.tensor2d(table)); // [V, K]
  const fake = {
    params: { entries: () => [], count: () => 0, trainable: () => [] },
    forward: (ids: tf.Tensor2D) => tf.gather(logits, ids) as unknown as tf.Tensor3D, // [B, T, K]
    lossFromLogits: (l: tf.Tensor3D, tags: tf.Tensor2D, mask: tf.Tensor2D) => Tagger.prototype.lossFromLogits.call(fake as unknown as Tagger, l, tags, mask),
    dispose: () => logits.dispose(),
  };
  return fake as unknown as Tagger;
}

describe("TaggerTask evaluation", () => {
  // token 1: B-PER 0.5, B-LOC 0.45; token 2: I-LOC 0.9; token 3: O. Argmax reads "B-PER I-LOC" (an I- after
  // another type); the best valid sequence is "B-LOC I-LOC", the gold.
  const table = [
    [1, 1, 1, 1, 1, 1].map((x) => x / 6), // <pad>
    [0.01, 0.45, 0.5, 0.01, 0.01, 0.02],
    [0.02, 0.01, 0.01, 0.9, 0.05, 0.01],
    [0.01, 0.01, 0.01, 0.01, 0.01, 0.95],
  ];
  const data = [
    { ids: [1, 2, 3], tags: [1, 3, 5] }, // B-LOC I-LOC O
    { ids: [3, 3], tags: [5, 5] },
  ];

  it("decodes IOB2 with the constrained decoder: F1 1 where argmax scores 0, and reports the argmax's invalid I-", async () => {
    const task = new TaggerTask(lookupTagger(table), { train: data, valid: data }, { batchSize: 2, seed: 1 }, TAGS);
    const m = await task.evaluate("valid");
    expect(m.f1).toBe(1);
    expect(m.accuracy).toBe(1);
    const r = task.taggingReport("valid");
    expect(r?.decoding).toBe("iob2");
    expect(r?.argmaxInvalid).toBe(1);
    expect(r?.tags).toEqual(["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]);
    expect(r?.confusion).toEqual([
      [1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 3],
    ]);
    expect(r?.entities?.byType.LOC).toMatchObject({ gold: 1, predicted: 1, correct: 1, f1: 1 });
    task.tagger.dispose();
  });

  it("reports a confusion without entity scores for a tag set that is not IOB2 (POS)", async () => {
    const pos = ["<pad>", "ADJ", "NOUN", "PROPN", "VERB", "X"];
    const task = new TaggerTask(lookupTagger(table), { train: data, valid: data }, { batchSize: 2, seed: 1 }, pos);
    const m = await task.evaluate("valid");
    expect(m.f1).toBeUndefined();
    const r = task.taggingReport("valid");
    expect(r?.decoding).toBe("argmax");
    expect(r?.entities).toBeUndefined();
    expect(r?.confusion[0]).toEqual([0, 1, 0, 0, 0]); // gold ADJ (token 1) read as NOUN by argmax
    task.tagger.dispose();
  });
});

describe("train() emits the tagging report", () => {
  it("after each validation and after the test, the test's with the best validation's step", async () => {
    const model = new Tagger({ vocabSize: 10, numTags: 4, cell: "gru", embeddingSize: 8, hiddenSize: 8, layers: 1, bidirectional: true, dropout: 0 }, 2);
    const sents = [
      [4, 5, 6, 7],
      [8, 9],
      [5, 4, 9],
    ];
    const tagged = sents.map((ids) => ({ ids, tags: ids.map((t) => 1 + (t % 3)) }));
    const task = new TaggerTask(model, { train: tagged, valid: tagged, test: tagged }, { batchSize: 2, seed: 1 }, ["<pad>", "O", "B-X", "I-X"]);
    const events: TrainEvent[] = [];
    await train({
      task,
      config: { optimizer: "adam", lr: 0.01, epochs: 100, maxSteps: 6, seed: 1, evalEvery: 3 },
      onEvent: (e) => void events.push(e),
      meta: { task: "tagger", model: {} },
    });
    const reports = events.filter((e) => e.type === "tagReport");
    expect(reports.map((e) => [e.split, e.step])).toEqual([
      ["valid", 2],
      ["valid", 3],
      ["valid", 4],
      ["valid", 6],
      ["test", 6],
    ]);
    const evals = events.filter((e) => e.type === "eval" && e.split === "test");
    const test = reports.at(-1);
    expect(test?.weightsStep).toBe(evals[0]?.type === "eval" ? evals[0].weightsStep : -1);
    expect(test?.report.entities?.overall.f1).toBe(evals[0]?.type === "eval" ? evals[0].metrics.f1 : -1);
    const counted = test?.report.confusion.flat().reduce((a, b) => a + b, 0);
    expect(counted).toBe(9); // every test token once
    task.dispose();
    model.dispose();
  });
});
