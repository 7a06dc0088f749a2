import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "../cells/testing.js";
import { Tagger } from "../models/tagger.js";
import { Rng } from "../random.js";
import { TaggerTask } from "./sequence-tasks.js";
import { dropWords, singletonIds } from "./word-dropout.js";

beforeAll(useCpu);

const UNK = 1;

describe("word dropout", () => {
  it("singletons are the ids seen once in train, specials aside", () => {
    const examples = [{ ids: [4, 5, 6, 1] }, { ids: [4, 7, 0] }];
    expect([...singletonIds(examples, UNK)].sort()).toEqual([5, 6, 7]);
  });

  it("replaces singletons by <unk> at rate p, the same draws from the same seed, nothing else touched", () => {
    const ids = Int32Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? 5 : 9)); // 5 a singleton, 9 not
    const a = dropWords(ids, new Set([5]), { p: 0.5, unk: UNK }, new Rng(3));
    expect(Array.from(dropWords(ids, new Set([5]), { p: 0.5, unk: UNK }, new Rng(3)))).toEqual(Array.from(a));
    expect(a.filter((id) => id === UNK).length / 2000).toBeCloseTo(0.5, 1);
    expect(a.filter((_, i) => i % 2 === 1).every((id) => id === 9)).toBe(true);
    expect(ids[0]).toBe(5); // a copy: the data stays as it was
  });

  it("trains <unk>'s embedding in a tagger whose vocabulary holds every training word; without it <unk> gets no gradient", () => {
    const grad = (p: number) => {
      const model = new Tagger({ vocabSize: 8, numTags: 3, cell: "lstm", embeddingSize: 4, hiddenSize: 4, layers: 1, bidirectional: true, dropout: 0 }, 1);
      const data = [
        { ids: [2, 3, 4], tags: [1, 2, 1] },
        { ids: [2, 5, 6, 7], tags: [1, 1, 2, 2] },
      ];
      const task = new TaggerTask(model, { train: data }, { batchSize: 2, seed: 1, wordDropout: { p, unk: UNK } });
      task.beginEpoch(1);
      const { value, grads } = tf.variableGrads(() => task.loss(0, new Rng(4)), [model.encoder.weight]);
      const unkRow = tf.tidy(() => tf.sum(tf.abs(tf.slice(grads[model.encoder.weight.name]!, [UNK, 0], [1, -1]))).dataSync()[0]!);
      tf.dispose([value, grads]);
      model.dispose();
      return unkRow;
    };
    expect(grad(0)).toBe(0);
    expect(grad(0.5)).toBeGreaterThan(0);
  });

  it("a training step with word dropout leaves no tensors behind", async () => {
    const model = new Tagger({ vocabSize: 8, numTags: 3, cell: "lstm", embeddingSize: 4, hiddenSize: 4, layers: 1, bidirectional: true, dropout: 0 }, 1);
    const task = new TaggerTask(model, { train: [{ ids: [2, 3, 4], tags: [1, 2, 1] }] }, { batchSize: 1, seed: 1, wordDropout: { p: 0.5, unk: UNK } });
    task.beginEpoch(1);
    const rng = new Rng(5);
    await expectNoLeak(() => tf.tidy(() => task.loss(0, rng))); // its batch tensors belong to the caller's tidy, as in the trainer
    model.dispose();
  });
});
