// Best weights, lr decay on a plateau and early stopping, judged by the task's main metric; and
// the test split scored with the best validation's weights (what papers report).
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "../cells/testing.js";
import { decodeCheckpoint, loadParameters } from "../checkpoint.js";
import { LanguageModel } from "../models/language-model.js";
import { Tagger } from "../models/tagger.js";
import type { TrainEvent } from "./events.js";
import { LMTask } from "./lm-task.js";
import { judgedBy } from "../main-metrics.js";
import { emptySelection, judge, type MainMetric } from "./selection.js";
import { TaggerTask } from "./sequence-tasks.js";
import type { Task } from "./task.js";
import type { TrainConfig } from "./trainer.js";
import { train } from "./trainer.js";

beforeAll(useCpu);

const LOSS: MainMetric = { key: "loss", higherIsBetter: false };
const F1: MainMetric = { key: "f1", higherIsBetter: true };

describe("judgedBy", () => {
  it("takes the first of a task's main metrics that its evaluation reports", () => {
    expect(judgedBy("lm", ["loss", "perplexity"])).toEqual({ key: "perplexity", higherIsBetter: false });
    expect(judgedBy("tagger", ["loss", "accuracy", "f1"])).toEqual({ key: "f1", higherIsBetter: true });
    expect(judgedBy("tagger", ["loss", "accuracy"])).toEqual({ key: "accuracy", higherIsBetter: true });
    expect(judgedBy("classifier", ["loss", "accuracy", "macroF1"]).key).toBe("accuracy");
  });
});

describe("judge", () => {
  it("keeps the best by the metric's direction; a NaN or a tie never improves", () => {
    const s = emptySelection();
    const config = { lrDecay: 1, lrPatience: 0, patience: 0 };
    expect(judge(s, Number.NaN, 1, LOSS, config).improved).toBe(false);
    expect(judge(s, 3, 2, LOSS, config).improved).toBe(true);
    expect(judge(s, 3, 3, LOSS, config).improved).toBe(false);
    expect(judge(s, 2.5, 4, LOSS, config).improved).toBe(true);
    expect(s.best).toEqual({ step: 4, value: 2.5 });
    const h = emptySelection();
    judge(h, 0.4, 1, F1, config);
    expect(judge(h, 0.3, 2, F1, config).improved).toBe(false);
    expect(judge(h, 0.5, 3, F1, config).improved).toBe(true);
    expect(h).toEqual({ best: { step: 3, value: 0.5 }, stale: 0, plateau: 0 });
  });

  it("divides lr after lrPatience non-improving validations, and stops after patience in a row", () => {
    const s = emptySelection();
    const config = { lrDecay: 4, lrPatience: 1, patience: 4 };
    judge(s, 1, 1, LOSS, config);
    const verdicts = [2, 3, 4, 5].map((step) => judge(s, 9, step, LOSS, config));
    expect(verdicts).toEqual([
      { improved: false, decayLr: false, stop: false },
      { improved: false, decayLr: true, stop: false },
      { improved: false, decayLr: false, stop: false },
      { improved: false, decayLr: true, stop: true },
    ]);
    // An improvement resets both counts.
    expect(judge(s, 0.5, 6, LOSS, config).improved).toBe(true);
    expect(judge(s, 9, 7, LOSS, config)).toEqual({ improved: false, decayLr: false, stop: false });
    // lrDecay 1 never decays; patience 0 never stops.
    const never = emptySelection();
    judge(never, 1, 1, LOSS, { lrDecay: 1, lrPatience: 0, patience: 0 });
    for (let step = 2; step < 20; step++)
      expect(judge(never, 2, step, LOSS, { lrDecay: 1, lrPatience: 0, patience: 0 })).toEqual({ improved: false, decayLr: false, stop: false });
  });
});

const cycle = (n: number, V: number, shift = 0) => Int32Array.from({ length: n }, (_, i) => 4 + ((i + shift) % (V - 4)));
const META = { task: "lm" as const, model: {} };

async function run(task: Task, config: Partial<TrainConfig>) {
  const events: TrainEvent[] = [];
  const result = await train({
    task,
    config: { optimizer: "adam", lr: 0.03, clip: 1, epochs: 100, seed: 7, ...config },
    meta: { ...META, task: task.kind },
    onEvent: (e) => void events.push(e),
  });
  return { events, result };
}
const evals = (events: TrainEvent[], split: "valid" | "test") =>
  events.filter((e): e is Extract<TrainEvent, { type: "eval" }> => e.type === "eval" && e.split === split);
const checkpoints = (events: TrainEvent[], kind: "best" | "last") =>
  events.filter((e): e is Extract<TrainEvent, { type: "checkpoint" }> => e.type === "checkpoint" && e.kind === kind);

describe("training judged by the main metric", () => {
  it("scores the test split with the best validation's weights: equal to re-evaluating the best checkpoint", async () => {
    // Validation runs the cycle backwards: learning the token frequencies helps it, learning the
    // forward transitions then hurts it, so the best validation comes before the last step.
    const backwards = cycle(60, 9).reverse();
    const model = new LanguageModel({ vocabSize: 9, cell: "lstm", embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: 0, tied: true }, 1);
    const task = new LMTask(model, { train: cycle(240, 9), valid: backwards, test: cycle(60, 9, 3) }, { batchSize: 4, bptt: 6 });
    const { events, result } = await run(task, { maxSteps: 60, evalEvery: 3, lrDecay: 1 });
    const valid = evals(events, "valid");
    const bestValid = valid.reduce((a, b) => (b.metrics.loss! < a.metrics.loss! ? b : a));
    const [test] = evals(events, "test");
    expect(test!.weightsStep).toBe(bestValid.step);
    expect(bestValid.step).toBeLessThan(result.step); // the test is of earlier weights than the last
    expect(result.metrics.best_step).toBe(bestValid.step);
    expect(result.metrics.best_valid_perplexity).toBe(bestValid.metrics.perplexity);
    // The best checkpoint, loaded into the model, gives the same test metrics.
    const best = checkpoints(events, "best").pop()!;
    expect(best.step).toBe(bestValid.step);
    loadParameters(task.params, decodeCheckpoint(best.data).tensors);
    expect(await task.evaluate("test")).toEqual(test!.metrics);
    expect(result.metrics.test_loss).toBe(test!.metrics.loss);
    task.dispose();
    model.dispose();
  });

  it("stops early after `patience` validations without improvement, and says so", async () => {
    const model = new LanguageModel({ vocabSize: 9, cell: "gru", embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: 0, tied: true }, 1);
    const task = new LMTask(model, { train: cycle(240, 9), valid: cycle(60, 9) }, { batchSize: 4, bptt: 6 });
    // SGD with lr 1e-30 leaves every float32 weight as it is: validation never improves after the first.
    const { events, result } = await run(task, { optimizer: "sgd", lr: 1e-30, maxSteps: 100, evalEvery: 2, patience: 3, lrDecay: 1 });
    expect(result.reason).toBe("stopped early");
    expect(evals(events, "valid").map((e) => e.step)).toEqual([2, 4, 6, 8]);
    expect(result.step).toBe(8);
    expect(events.at(-1)).toMatchObject({ type: "end", reason: "stopped early", step: 8 });
    expect(checkpoints(events, "best").map((c) => c.step)).toEqual([2]);
    task.dispose();
    model.dispose();
  });

  it("divides lr only after lrPatience validations on a plateau", async () => {
    const model = new LanguageModel({ vocabSize: 9, cell: "elman", embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: 0, tied: true }, 1);
    const task = new LMTask(model, { train: cycle(240, 9), valid: cycle(60, 9) }, { batchSize: 4, bptt: 6 });
    const { events } = await run(task, { optimizer: "sgd", lr: 1e-30, maxSteps: 12, evalEvery: 2, lrDecay: 2, lrPatience: 1 });
    // validations at 2 (best), 4, 6 (decay), 8, 10 (decay), 12: lr of each step
    const lrs = events.flatMap((e) => (e.type === "step" ? [e.lr / 1e-30] : []));
    expect(lrs.map((x) => Math.round(x * 100) / 100)).toEqual([1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
    task.dispose();
    model.dispose();
  });

  it("a tagger with IOB2 tags keeps the weights of its best entity F1, not of its lowest loss", async () => {
    const tags = ["<pad>", "O", "B-PER", "I-PER"];
    const tagger = new Tagger({ vocabSize: 8, numTags: 4, cell: "lstm", embeddingSize: 6, hiddenSize: 6, layers: 1, bidirectional: true, dropout: 0 }, 2);
    const ex = (ids: number[], t: number[]) => ({ ids, tags: t });
    const data = [ex([4, 5, 6], [2, 3, 1]), ex([6, 4], [1, 2]), ex([7, 5, 6, 4], [1, 1, 1, 2])];
    const task = new TaggerTask(tagger, { train: data, valid: data }, { batchSize: 2, seed: 1 }, tags);
    expect(task.mainMetric).toEqual({ key: "f1", higherIsBetter: true });
    const { events } = await run(task, { maxSteps: 30, evalEvery: 1, lrDecay: 1 });
    const valid = evals(events, "valid");
    const bests = checkpoints(events, "best").map((c) => c.step);
    // Each best checkpoint is a strict F1 improvement over every validation before it.
    let top = -Infinity;
    for (const v of valid) {
      const f1 = v.metrics.f1!;
      expect(bests.includes(v.step)).toBe(f1 > top);
      top = Math.max(top, f1);
    }
    expect(new TaggerTask(tagger, { train: data }, { batchSize: 2, seed: 1 }, ["<pad>", "NOUN", "VERB"]).mainMetric.key).toBe("accuracy");
    task.dispose();
    tagger.dispose();
  });

  it("holds no tensors after training: the best weights' copies are disposed", async () => {
    const before = tf.memory().numTensors;
    const model = new LanguageModel({ vocabSize: 9, cell: "lstm", embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: 0, tied: true }, 1);
    const task = new LMTask(model, { train: cycle(240, 9), valid: cycle(60, 9), test: cycle(60, 9) }, { batchSize: 4, bptt: 6 });
    const { events } = await run(task, { maxSteps: 9, evalEvery: 3 });
    expect(checkpoints(events, "best").length).toBeGreaterThan(0); // copies were made
    task.dispose(); // the carried LM state
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
