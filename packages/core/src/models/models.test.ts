import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkGradients, expectNoLeak, useCpu } from "../cells/testing.js";
import { ConfigError } from "../errors.js";
import { Rng } from "../random.js";
import { tyingIssue } from "./tying.js";
import type { ClassifierConfig, LanguageModelConfig, Pooling, TaggerConfig } from "./index.js";
import { Classifier, createModel, LanguageModel, paramCount, Tagger } from "./index.js";

beforeAll(useCpu);

const lmConfig = (over: Partial<LanguageModelConfig> = {}): LanguageModelConfig => ({
  vocabSize: 11,
  cell: "lstm",
  embeddingSize: 6,
  hiddenSize: 6,
  layers: 2,
  dropout: 0,
  tied: false,
  ...over,
});
const ids2d = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length], "int32");

describe("LanguageModel", () => {
  it("gives logits [B, T, V] and a state per layer", () => {
    const m = new LanguageModel(lmConfig());
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const { logits, state } = m.forward(ids);
    expect(logits.shape).toEqual([2, 3, 11]);
    expect(state.length).toBe(2);
    expect(state[0]!.map((t) => t.shape)).toEqual([
      [2, 6],
      [2, 6],
    ]);
    tf.dispose([ids, logits, state]);
    m.dispose();
  });

  it.each(["elman", "lstm", "gru"] as const)("counts %s parameters exactly; tied = untied - |V| x d", (cell) => {
    const untied = new LanguageModel(lmConfig({ cell }));
    const tied = new LanguageModel(lmConfig({ cell, tied: true }));
    expect(untied.params.count()).toBe(LanguageModel.paramCount(untied.config));
    expect(tied.params.count()).toBe(LanguageModel.paramCount(tied.config));
    expect(untied.params.count() - tied.params.count()).toBe(11 * 6);
    expect(tied.params.has("decoder.weight")).toBe(false);
    untied.dispose();
    tied.dispose();
  });

  it("refuses tying when hidden != embedding size, built directly as in a notebook, with the config's message", () => {
    const c = lmConfig({ tied: true, hiddenSize: 8 });
    const before = tf.memory().numTensors;
    const built = (() => {
      try {
        return new LanguageModel(c);
      } catch (e) {
        return e;
      }
    })();
    expect(built).toBeInstanceOf(ConfigError);
    expect(built).toMatchObject({ path: "model.tied", message: `model.tied: ${tyingIssue(c)}` });
    expect((built as Error).message).toMatch(
      /embeddingSize = hiddenSize, got 6 and 8: set model\.embeddingSize=8 or model\.hiddenSize=6, or model\.tied=false/,
    );
    expect(tf.memory().numTensors).toBe(before); // refused before any weight is made
  });

  it.each([false, true])("gradients match finite differences (tied=%s)", (tied) => {
    const m = new LanguageModel(lmConfig({ vocabSize: 7, embeddingSize: 3, hiddenSize: 3, layers: 2, tied }), 3);
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const targets = ids2d([
      [2, 3, 4],
      [5, 6, 1],
    ]);
    checkGradients(
      () =>
        tf.tidy(() => {
          const { loss, state } = m.loss(ids, targets);
          tf.dispose(state);
          return loss;
        }),
      m.params.variables(),
      { perVar: 4 },
    );
    tf.dispose([ids, targets]);
    m.dispose();
  });

  it("scores a sentence: <s> context, predicting through </s>, consistent with the loss", async () => {
    const m = new LanguageModel(lmConfig(), 5);
    const words = [5, 6, 7];
    const { logProb, tokenLogProbs } = await m.scoreSentence(words, 2, 3);
    expect(tokenLogProbs).toHaveLength(4);
    const ids = ids2d([[2, 5, 6, 7]]);
    const targets = ids2d([[5, 6, 7, 3]]);
    const { loss, state } = m.loss(ids, targets);
    expect(logProb).toBeCloseTo(-(await loss.data())[0]! * 4, 4);
    tf.dispose([ids, targets, loss, state]);
    m.dispose();
  });

  it("dropout is active only with an rng, and is reproducible", () => {
    const m = new LanguageModel(lmConfig({ dropout: 0.5 }), 1);
    const ids = ids2d([[1, 2, 3]]);
    const run = (rng?: Rng) => tf.tidy(() => Array.from(m.forward(ids, undefined, rng).logits.dataSync()));
    expect(run()).toEqual(run());
    expect(run(new Rng(9))).toEqual(run(new Rng(9)));
    expect(run(new Rng(9))).not.toEqual(run());
    ids.dispose();
    m.dispose();
  });

  it("does not leak tensors", async () => {
    const m = new LanguageModel(lmConfig({ dropout: 0.2 }));
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await expectNoLeak(() => m.forward(ids, undefined, new Rng(1)));
    await expectNoLeak(() => m.loss(ids, ids));
    await expectNoLeak(() => m.scoreSentence([4, 5], 2, 3));
    ids.dispose();
    m.dispose();
  });
});

const tagConfig = (bidirectional: boolean): TaggerConfig => ({
  vocabSize: 10,
  numTags: 4,
  cell: "lstm",
  embeddingSize: 5,
  hiddenSize: 4,
  layers: 2,
  bidirectional,
  dropout: 0,
});

describe("Tagger", () => {
  it.each([false, true])("padded batch = each sentence alone (bidirectional=%s)", (bi) => {
    const m = new Tagger(tagConfig(bi), 2);
    const a = [1, 2, 3, 4],
      b = [5, 6];
    const batch = ids2d([a, [...b, 0, 0]]);
    const mask = tf.tensor2d([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ]);
    const padded = m.forward(batch, mask);
    const alone = m.forward(ids2d([b]));
    const got = tf.slice(padded, [1, 0, 0], [1, 2, 4]);
    Array.from(got.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(alone.dataSync()[i]!, 5));
    tf.dispose([batch, mask, padded, alone, got]);
    m.dispose();
  });

  it("masked loss ignores padding; gradients match finite differences", () => {
    const m = new Tagger({ ...tagConfig(true), layers: 1, hiddenSize: 3 }, 4);
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 0],
    ]);
    const tags = ids2d([
      [1, 2, 3],
      [3, 1, 0],
    ]);
    const otherTags = ids2d([
      [1, 2, 3],
      [3, 1, 2],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const l1 = m.loss(ids, tags, mask),
      l2 = m.loss(ids, otherTags, mask);
    expect(l1.dataSync()[0]).toBe(l2.dataSync()[0]);
    expect(m.params.count()).toBe(Tagger.paramCount(m.config));
    checkGradients(() => m.loss(ids, tags, mask), m.params.variables(), { perVar: 4 });
    tf.dispose([ids, tags, otherTags, mask, l1, l2]);
    m.dispose();
  });

  it("does not leak tensors", async () => {
    const m = new Tagger(tagConfig(true));
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    await expectNoLeak(() => m.loss(ids, ids, mask, { rng: new Rng(1) }));
    await expectNoLeak(() => m.predict(ids, mask));
    tf.dispose([ids, mask]);
    m.dispose();
  });
});

describe("Classifier", () => {
  const cfg = (pooling: Pooling, bidirectional: boolean): ClassifierConfig => ({
    vocabSize: 10,
    numClasses: 3,
    cell: "gru",
    embeddingSize: 5,
    hiddenSize: 4,
    layers: 1,
    bidirectional,
    dropout: 0,
    pooling,
  });
  it.each([
    ["last", false],
    ["last", true],
    ["mean", true],
    ["max", false],
  ] as const)("%s pooling: padded = alone (bidirectional=%s)", (pooling, bi) => {
    const m = new Classifier(cfg(pooling, bi), 3);
    const batch = ids2d([
      [1, 2, 3, 4],
      [5, 6, 0, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ]);
    const padded = m.forward(batch, mask);
    const oneIds = ids2d([[5, 6]]),
      oneMask = tf.ones([1, 2]) as tf.Tensor2D;
    const alone = m.forward(oneIds, oneMask);
    const row = padded.arraySync()[1]!;
    row.forEach((v, i) => expect(v).toBeCloseTo(alone.arraySync()[0]![i]!, 5));
    expect(m.params.count()).toBe(paramCount("classifier", m.config));
    tf.dispose([batch, mask, padded, oneIds, oneMask, alone]);
    m.dispose();
  });

  it("does not leak tensors; createModel builds each task", async () => {
    const m = createModel("classifier", cfg("max", true)) as Classifier;
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const labels = tf.tensor1d([0, 2], "int32");
    await expectNoLeak(() => m.loss(ids, labels, mask, { rng: new Rng(1) }));
    await expectNoLeak(() => m.predict(ids, mask));
    tf.dispose([ids, mask, labels]);
    m.dispose();
  });
});
