import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "../cells/testing.js";
import { decodeCheckpoint } from "../checkpoint.js";
import { TrainingError } from "../errors.js";
import { Classifier } from "../models/classifier.js";
import { LanguageModel } from "../models/language-model.js";
import { Tagger } from "../models/tagger.js";
import { batchify, bucketBatches, lmChunk, padBatch } from "./batching.js";
import type { TrainEvent } from "./events.js";
import { LMTask } from "./lm-task.js";
import { ClassifierTask, TaggerTask } from "./sequence-tasks.js";
import type { Task } from "./task.js";
import type { TrainConfig } from "./trainer.js";
import { train } from "./trainer.js";

beforeAll(useCpu);

// A cyclic stream is perfectly predictable from the previous token: a model must reach ~0 loss.
const cycle = (n: number, V: number) => Int32Array.from({ length: n }, (_, i) => 4 + (i % (V - 4)));
const lmTask = (over: { dropout?: number; seed?: number; cell?: "lstm" | "gru" | "elman" } = {}) => {
  const model = new LanguageModel(
    { vocabSize: 9, cell: over.cell ?? "lstm", embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: over.dropout ?? 0, tied: true },
    over.seed ?? 1,
  );
  return new LMTask(model, { train: cycle(240, 9), valid: cycle(60, 9), test: cycle(60, 9) }, { batchSize: 4, bptt: 6 });
};
const META = { task: "lm" as const, model: {} };

async function run(task: Task, config: Partial<TrainConfig>, extra: { resume?: Uint8Array; abortAt?: number } = {}) {
  const events: TrainEvent[] = [];
  const controller = new AbortController();
  const result = await train({
    task,
    config: { optimizer: "adam", lr: 0.03, clip: 1, epochs: 100, seed: 7, ...config },
    meta: { ...META, task: task.kind },
    resume: extra.resume,
    signal: controller.signal,
    onEvent: async (e) => {
      events.push(e);
      if (e.type === "step" && e.step === extra.abortAt) controller.abort();
    },
  });
  const losses = events.flatMap((e) => (e.type === "step" ? [e.loss] : []));
  const last = events.filter((e): e is Extract<TrainEvent, { type: "checkpoint" }> => e.type === "checkpoint" && e.kind === "last").pop();
  return { events, losses, result, last };
}

const dispose = (task: Task & { model: { dispose(): void } }) => {
  task.dispose();
  task.model.dispose();
};

describe("batching", () => {
  it("batchify folds the stream into columns and chunks shift targets by one (word_language_model)", () => {
    const src = batchify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2); // columns [0..4], [5..9]
    expect(src.rows).toBe(5);
    const c = lmChunk(src, 0, 3);
    expect(Array.from(c.ids)).toEqual([0, 1, 2, 5, 6, 7]);
    expect(Array.from(c.targets)).toEqual([1, 2, 3, 6, 7, 8]);
    expect(lmChunk(src, 1, 3).time).toBe(1); // last chunk is shorter
  });

  it("buckets by length, pads with 0 and masks; shuffles with the seed only", () => {
    const ex = [[1], [1, 2, 3], [1, 2], [4, 5, 6], [7]].map((ids) => ({ ids, label: ids.length }));
    expect(bucketBatches(ex, 2)).toEqual([[0, 4], [2, 1], [3]]);
    expect(bucketBatches(ex, 2, 3)).toEqual(bucketBatches(ex, 2, 3));
    const b = padBatch(ex, [2, 1]);
    expect(Array.from(b.ids)).toEqual([1, 2, 0, 1, 2, 3]);
    expect(Array.from(b.mask)).toEqual([1, 1, 0, 1, 1, 1]);
    expect(b.tokens).toBe(5);
  });
});

describe("train", () => {
  it("overfits a language model to near-zero loss, with the event stream", async () => {
    const task = lmTask();
    const { events, losses, result } = await run(task, { lr: 0.1, maxSteps: 60, evalEvery: 30 });
    expect(events[0]).toMatchObject({ type: "start", params: task.params.count(), totalSteps: 60 });
    expect(losses[0]).toBeGreaterThan(1.5);
    expect(losses.at(-1)).toBeLessThan(0.05);
    const step = events.find((e) => e.type === "step");
    expect(step).toMatchObject({ step: 1, epoch: 1, tokens: 24 });
    const evals = events.filter((e) => e.type === "eval");
    // validation at every epoch end (10 chunks) and every 30 steps, once per step; test at the end
    expect(evals.map((e) => e.type === "eval" && `${e.split}@${e.step}`)).toEqual([
      "valid@10",
      "valid@20",
      "valid@30",
      "valid@40",
      "valid@50",
      "valid@60",
      "test@60",
    ]);
    expect(result.metrics.valid_perplexity).toBeLessThan(1.1);
    expect(events.some((e) => e.type === "checkpoint" && e.kind === "best")).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "end", reason: "completed", step: 60 });
    dispose(task);
  });

  it("overfits a bidirectional tagger with masked loss", async () => {
    const model = new Tagger({ vocabSize: 10, numTags: 4, cell: "gru", embeddingSize: 8, hiddenSize: 8, layers: 1, bidirectional: true, dropout: 0 }, 2);
    const sents = [
      [4, 5, 6, 7],
      [8, 9],
      [5, 4, 9],
      [7, 6, 5, 4, 8],
    ];
    const data = sents.map((ids) => ({ ids, tags: ids.map((t, i) => 1 + ((t + (ids[i - 1] ?? 0)) % 3)) })); // tag depends on the left neighbour
    // every sequence of these tags is valid IOB2 (no I-), so constrained decoding can reach the gold
    const task = new TaggerTask(model, { train: data, valid: data }, { batchSize: 2, seed: 1 }, ["<pad>", "O", "B-X", "B-Y"]);
    const { losses, result } = await run(task, { maxSteps: 80 });
    expect(losses.at(-1)).toBeLessThan(0.05);
    expect(result.metrics.valid_accuracy).toBe(1);
    expect(result.metrics.valid_f1).toBe(1);
    dispose(task);
  });

  it("overfits a classifier (last-state pooling over padded batches)", async () => {
    const model = new Classifier(
      { vocabSize: 10, numClasses: 3, cell: "lstm", embeddingSize: 8, hiddenSize: 8, layers: 1, bidirectional: false, dropout: 0, pooling: "last" },
      3,
    );
    const data = [[4, 5, 6], [6, 5], [7, 8, 9, 4], [9], [5, 5, 7]].map((ids, i) => ({ ids, label: i % 3 }));
    const task = new ClassifierTask(model, { train: data, valid: data }, { batchSize: 2, seed: 1 });
    const { losses, result } = await run(task, { maxSteps: 90 });
    expect(losses.at(-1)).toBeLessThan(0.05);
    expect(result.metrics.valid_accuracy).toBe(1);
    expect(result.metrics.valid_macroF1).toBe(1);
    dispose(task);
  });

  it("is deterministic: same seed, same curve; another seed, another curve", async () => {
    const curve = async (seed: number) => {
      const task = lmTask({ dropout: 0.3, seed });
      const { losses } = await run(task, { maxSteps: 8, seed });
      dispose(task);
      return losses;
    };
    const a = await curve(1);
    expect(await curve(1)).toEqual(a);
    expect(await curve(2)).not.toEqual(a);
  });

  it("resume = uninterrupted (LM: dropout, Adam, carried state mid-epoch)", async () => {
    const N = 7; // mid-epoch (10 chunks per epoch)
    const full = lmTask({ dropout: 0.2 });
    const all = await run(full, { maxSteps: 2 * N, evalEvery: 5 });
    dispose(full);
    const first = lmTask({ dropout: 0.2 });
    const part1 = await run(first, { maxSteps: 2 * N, evalEvery: 5 }, { abortAt: N });
    dispose(first);
    expect(part1.result.reason).toBe("aborted");
    expect(part1.events.at(-1)).toMatchObject({ type: "end", reason: "aborted", step: N });
    expect(part1.last?.step).toBe(N);
    const second = lmTask({ dropout: 0.2, seed: 99 }); // other init: the checkpoint must replace it
    const part2 = await run(second, { maxSteps: 2 * N, evalEvery: 5 }, { resume: part1.last?.data });
    dispose(second);
    expect([...part1.losses, ...part2.losses]).toEqual(all.losses);
  });

  it("resume = uninterrupted (tagger: SGD with lr decay, across an epoch boundary)", async () => {
    const make = () => {
      const model = new Tagger({ vocabSize: 10, numTags: 3, cell: "elman", embeddingSize: 4, hiddenSize: 4, layers: 2, bidirectional: true, dropout: 0.1 }, 5);
      const data = [[4, 5, 6], [8, 9], [5, 4, 9, 9], [7, 6], [4]].map((ids) => ({ ids, tags: ids.map((t) => 1 + (t % 2)) }));
      return new TaggerTask(model, { train: data, valid: data.slice(0, 2) }, { batchSize: 2, seed: 3 });
    };
    const cfg = { optimizer: "sgd" as const, lr: 2, lrDecay: 4, maxSteps: 10, evalEvery: 2 };
    const a = make();
    const all = await run(a, cfg);
    dispose(a);
    const b = make();
    const part1 = await run(b, cfg, { abortAt: 4 });
    dispose(b);
    const c = make();
    const part2 = await run(c, cfg, { resume: part1.last?.data });
    dispose(c);
    expect([...part1.losses, ...part2.losses]).toEqual(all.losses);
    const lrs = (r: typeof all) => r.events.flatMap((e) => (e.type === "step" ? [e.lr] : []));
    expect([...lrs(part1), ...lrs(part2)]).toEqual(lrs(all));
  });

  it("stops with a TrainingError naming the step on a non-finite loss", async () => {
    const task = lmTask({ cell: "elman" });
    tf.tidy(() => task.params.get("encoder.weight").assign(tf.fill([9, 8], NaN))); // as after a diverging update
    const err = await run(task, { optimizer: "sgd", lr: 20, clip: 0, maxSteps: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect((err as TrainingError).message).toMatch(/^step 1: loss is NaN.*lower train\.lr/);
    dispose(task);
  });

  it("checkpoints carry weights, optimizer state and trainer state; no tensors leak across a run", async () => {
    const task = lmTask();
    await run(task, { maxSteps: 2 });
    const before = tf.memory().numTensors;
    const { last } = await run(task, { maxSteps: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const ckpt = decodeCheckpoint(last!.data);
    expect([...ckpt.tensors.keys()]).toEqual(
      expect.arrayContaining([
        "encoder.weight",
        "rnn.weight_ih_l0",
        "decoder.bias",
        "optimizer.exp_avg.encoder.weight",
        "optimizer.exp_avg_sq.rnn.weight_hh_l0",
        "train.hidden.l0.h",
        "train.hidden.l0.c",
      ]),
    );
    expect(ckpt.metadata.trainer).toMatchObject({ step: 2, epoch: 1, index: 2, optimizer: "adam", optimizerStep: 2 });
    dispose(task);
  });
});

describe("the training loop and the event loop", () => {
  it("lets timers run between steps and evaluation batches (a worker's heartbeats), with no checkpoint or eval I/O", async () => {
    const task = lmTask();
    const seenAt: number[] = []; // the step each timer tick saw
    let step = 0;
    const timer = setInterval(() => seenAt.push(step), 0);
    try {
      await train({
        task,
        config: { optimizer: "adam", lr: 0.03, clip: 1, epochs: 100, seed: 7, maxSteps: 40, evalEvery: 0, checkpointEvery: 0 },
        meta: { ...META, task: task.kind },
        onEvent: (e) => {
          if (e.type === "step") step = e.step;
        },
      });
    } finally {
      clearInterval(timer);
      dispose(task);
    }
    // Without a yield per step every await resolves as a microtask and no tick runs until the end.
    const during = new Set(seenAt.filter((s) => s > 0 && s < 40));
    expect(during.size).toBeGreaterThanOrEqual(30);
  });
});
