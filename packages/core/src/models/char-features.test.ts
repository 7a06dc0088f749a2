// Taggers and classifiers with character features (layers/char-encoder.ts): what they add over the
// word embedding alone, for words outside the vocabulary (all <unk>).
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkGradients, expectNoLeak, useCpu } from "../cells/testing.js";
import { fitCharAlphabet } from "../data/char-alphabet.js";
import { ConfigError } from "../errors.js";
import { Rng } from "../random.js";
import { TaggerTask } from "../train/sequence-tasks.js";
import { train } from "../train/trainer.js";
import type { ClassifierConfig, TaggerConfig } from "./index.js";
import { Classifier, paramCount, Tagger } from "./index.js";

beforeAll(useCpu);

const UNK = 1;
const alphabet = fitCharAlphabet([["walking", "talked", "jumps", "Paris", "Rome", "kicks", "ZZ"]]);
const tagConfig = (chars: boolean): TaggerConfig => ({
  vocabSize: 10,
  numTags: 4,
  cell: "lstm",
  embeddingSize: 5,
  hiddenSize: 4,
  layers: 1,
  bidirectional: true,
  dropout: 0,
  ...(chars ? { chars: { alphabet, embeddingSize: 4, hiddenSize: 3 } } : {}),
});
const ids2d = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length], "int32");

describe("Tagger and Classifier with character features", () => {
  it("count their parameters exactly, under torch names (chars.embedding.weight, chars.rnn.*)", () => {
    const m = new Tagger(tagConfig(true), 1);
    expect(m.params.count()).toBe(Tagger.paramCount(m.config));
    expect(m.params.count()).toBe(paramCount("tagger", m.config));
    expect(m.params.names()).toContain("chars.embedding.weight");
    expect(m.params.names()).toContain("chars.rnn.weight_hh_l0_reverse");
    expect(m.params.get("rnn.weight_ih_l0").shape).toEqual([16, 5 + 6]); // the sentence LSTM reads [E x_t ; charRep]
    const c: ClassifierConfig = { ...tagConfig(true), numClasses: 3, pooling: "mean" };
    const clf = new Classifier(c, 1);
    expect(clf.params.count()).toBe(paramCount("classifier", c));
    m.dispose();
    clf.dispose();
  });

  it("give two unseen words (both <unk>) different tag distributions by their spelling; without chars they are the same", () => {
    const probs = (chars: boolean) => {
      const m = new Tagger(tagConfig(chars), 2);
      const ids = ids2d([[UNK], [UNK]]); // two one-word sentences, so that only the word differs
      const p = tf.tidy(() =>
        tf
          .softmax(m.forward(ids, undefined, { words: [["walking"], ["Paris"]] }))
          .arraySync()
          .map((s) => s[0]!),
      );
      ids.dispose();
      m.dispose();
      return p;
    };
    const [walking, paris] = probs(true);
    expect(Math.max(...walking!.map((p, k) => Math.abs(p - paris![k]!)))).toBeGreaterThan(1e-5); // small at initialisation, but not 0 as without chars
    const [a, b] = probs(false);
    expect(a).toEqual(b);
  });

  it("refuse a forward without the words, naming the fix", () => {
    const m = new Tagger(tagConfig(true), 1);
    const ids = ids2d([[3, 4]]);
    const before = tf.memory().numTensors;
    expect(() => m.forward(ids)).toThrow(ConfigError);
    expect(() => m.forward(ids)).toThrow(/pass \{ words \}/);
    expect(tf.memory().numTensors).toBe(before);
    ids.dispose();
    m.dispose();
  });

  it("gradients of the masked loss match finite differences, char layers included; no leaks", async () => {
    const m = new Tagger({ ...tagConfig(true), hiddenSize: 3 }, 4);
    const ids = ids2d([
      [3, UNK, 4],
      [UNK, 5, 0],
    ]);
    const tags = ids2d([
      [1, 2, 3],
      [3, 1, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const words = [
      ["Rome", "kicks", "jumps"],
      ["talked", "walking"],
    ];
    checkGradients(() => m.loss(ids, tags, mask, { words }), m.params.variables(), { perVar: 3 });
    await expectNoLeak(() => m.loss(ids, tags, mask, { words, rng: new Rng(1) }));
    await expectNoLeak(() => m.predict(ids, mask, { words }));
    tf.dispose([ids, tags, mask]);
    m.dispose();
  });

  it("a classifier with chars: gradients match finite differences, no leaks", async () => {
    const clf = new Classifier({ ...tagConfig(true), hiddenSize: 3, numClasses: 3, pooling: "last" }, 5);
    const ids = ids2d([
      [3, UNK],
      [UNK, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1],
      [1, 0],
    ]);
    const labels = tf.tensor1d([0, 2], "int32");
    const words = [["Rome", "kicks"], ["walking"]];
    checkGradients(() => clf.loss(ids, labels, mask, { words }), clf.params.variables(), { perVar: 3 });
    await expectNoLeak(() => clf.loss(ids, labels, mask, { words, rng: new Rng(2) }));
    await expectNoLeak(() => clf.predict(ids, mask, { words }));
    tf.dispose([ids, mask, labels]);
    clf.dispose();
  });
});

// Tags decided by the suffix (-ing, -ed, -s): train on 8 stems, test on 3 stems never seen, whose
// words are all <unk>. With character features (and word dropout, so that the spelling must carry
// the tag) the tagger learns the rule; without them it cannot.
const SUFFIXES = ["ing", "ed", "s"];
const TRAIN_STEMS = ["walk", "talk", "jump", "play", "call", "look", "kick", "help"];
const TEST_STEMS = ["climb", "paint", "rest"];
const vocab = new Map(TRAIN_STEMS.flatMap((s) => SUFFIXES.map((x) => s + x)).map((w, i) => [w, 2 + i]));
const example = (words: string[]) => ({
  ids: words.map((w) => vocab.get(w) ?? UNK),
  tags: words.map((w) => 1 + SUFFIXES.findIndex((x) => w.endsWith(x))),
  words,
});
const trainWords = TRAIN_STEMS.flatMap((s) => SUFFIXES.map((x) => s + x));
const trainData = trainWords.map((w) => example([w])); // one-word sentences: the tag is the word's alone
const testData = TEST_STEMS.flatMap((s) => SUFFIXES.map((x) => example([s + x])));

async function suffixTagger(chars: boolean): Promise<{ trainLoss: number; unseenAccuracy: number }> {
  const model = new Tagger(
    {
      vocabSize: 2 + vocab.size,
      numTags: 4,
      cell: "lstm",
      embeddingSize: 8,
      hiddenSize: 8,
      layers: 1,
      bidirectional: true,
      dropout: 0,
      ...(chars ? { chars: { alphabet: fitCharAlphabet(trainData.map((x) => x.words)), embeddingSize: 8, hiddenSize: 8 } } : {}),
    },
    3,
  );
  const task = new TaggerTask(model, { train: trainData, valid: trainData, test: testData }, { batchSize: 4, seed: 1, wordDropout: { p: 0.5, unk: UNK } });
  await train({
    task,
    config: { optimizer: "adam", lr: 0.03, clip: 1, epochs: 200, maxSteps: 200, seed: 7, evalEvery: 0 },
    meta: { task: "tagger", model: {} },
    onEvent: () => {},
  });
  const trainLoss = (await task.evaluate("valid")).loss!;
  const ids = ids2d(testData.map((x) => x.ids));
  const pred = model.predict(ids, undefined, { words: testData.map((x) => x.words) });
  const got = (pred.arraySync() as number[][]).flat();
  const gold = testData.flatMap((x) => x.tags);
  tf.dispose([ids, pred]);
  task.dispose();
  model.dispose();
  return { trainLoss, unseenAccuracy: got.filter((t, i) => t === gold[i]).length / gold.length };
}

describe("a tiny tagger with character features", () => {
  it("overfits tags decided by suffix and generalises to unseen words with those suffixes; without chars it cannot", async () => {
    expect(testData.every((x) => x.ids.every((id) => id === UNK))).toBe(true);
    const withChars = await suffixTagger(true);
    expect(withChars.trainLoss).toBeLessThan(0.05);
    expect(withChars.unseenAccuracy).toBe(1);
    const without = await suffixTagger(false);
    expect(without.unseenAccuracy).toBeLessThan(0.5); // every unseen word is the same <unk>
  }, 60_000);
});
