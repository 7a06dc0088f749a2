import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "../cells/testing.js";
import { LanguageModel, Tagger } from "../models/index.js";
import { softmaxCrossEntropy, tokenCrossEntropy } from "../ops/index.js";
import { LMTask } from "../train/lm-task.js";
import { TaggerTask } from "../train/sequence-tasks.js";

beforeAll(useCpu);

const weightedMean = (r: { loss: number[]; count: number[] }) => r.loss.reduce((a, l, t) => a + l * r.count[t]!, 0) / r.count.reduce((a, b) => a + b, 0);

describe("tokenCrossEntropy", () => {
  it("is the per-token loss whose mean softmaxCrossEntropy gives; no leaks", async () => {
    const logits = tf.tensor2d([
      [1, 2, 0.5],
      [0, -1, 3],
      [2, 2, 2],
    ]);
    const targets = tf.tensor1d([1, 0, 2], "int32");
    const each = tokenCrossEntropy(logits, targets);
    const mean = softmaxCrossEntropy(logits, targets);
    expect(each.shape).toEqual([3]);
    expect(tf.mean(each).dataSync()[0]).toBeCloseTo(mean.dataSync()[0]!, 5);
    expect(each.dataSync()[2]).toBeCloseTo(Math.log(3), 5);
    await expectNoLeak(() => tokenCrossEntropy(logits, targets));
    tf.dispose([logits, targets, each, mean]);
  });
});

describe("loss by position", () => {
  it("lm: the mean validation loss at each position of the BPTT window; their weighted mean is the evaluation's loss", async () => {
    const model = new LanguageModel({ vocabSize: 9, cell: "gru", embeddingSize: 4, hiddenSize: 4, layers: 1, dropout: 0, tied: false }, 3);
    const stream = Int32Array.from({ length: 130 }, (_, i) => 4 + ((i * 7) % 5));
    const task = new LMTask(model, { train: stream, valid: stream.slice(0, 61) }, { batchSize: 2, bptt: 4, evalBatchSize: 3 }); // valid: 3 columns of 20 rows -> chunks of 4, 4, 4, 4, 3
    const m = await task.evaluate("valid");
    const r = task.lossByPosition("valid")!;
    expect(r.basis).toBe("window");
    expect(r.count).toEqual([15, 15, 15, 12]); // 5 chunks x 3 columns; the last chunk has 3 positions
    expect(weightedMean(r)).toBeCloseTo(m.loss!, 5);
    // position 0 of the first chunk alone, from the model's own loss: the first chunk starts from zeros
    const first = await task.evaluate("valid", 1);
    const again = task.lossByPosition("valid")!;
    const ids = tf.tensor2d([[stream[0]!], [stream[20]!], [stream[40]!]], [3, 1], "int32");
    const next = tf.tensor2d([[stream[1]!], [stream[21]!], [stream[41]!]], [3, 1], "int32");
    const { loss, state } = model.loss(ids, next);
    expect(again.loss[0]).toBeCloseTo(loss.dataSync()[0]!, 5);
    expect(weightedMean(again)).toBeCloseTo(first.loss!, 5);
    tf.dispose([ids, next, loss, state]);
    task.dispose();
    model.dispose();
  });

  it("tagger: by distance from the sentence start, counting only sentences that long", async () => {
    const tagger = new Tagger({ vocabSize: 8, numTags: 3, cell: "lstm", embeddingSize: 4, hiddenSize: 4, layers: 1, bidirectional: true, dropout: 0 }, 2);
    const sentence = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => 1 + ((i * 3) % 7)), tags: Array.from({ length: n }, (_, i) => i % 3) });
    const valid = [sentence(2), sentence(3), sentence(5), sentence(5)];
    const task = new TaggerTask(tagger, { train: valid, valid }, { batchSize: 2, seed: 1 });
    const m = await task.evaluate("valid");
    const r = task.lossByPosition("valid")!;
    expect(r).toMatchObject({ basis: "sentence", count: [4, 4, 3, 2, 2] });
    expect(weightedMean(r)).toBeCloseTo(m.loss!, 5);
    tagger.dispose();
  });
});
