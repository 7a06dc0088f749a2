// Tagger and classifier tasks: length-bucketed padded batches with masks, reshuffled each epoch
// from the seed; evaluation in length order with token-weighted (tagger) or example-weighted
// (classifier) mean loss.
import * as tf from "@tensorflow/tfjs-core";
import type { LossByPosition } from "../diagnostics/loss-by-position.js";
import { PositionLoss } from "../diagnostics/loss-by-position.js";
import { accuracy, macroF1, taggingReport, type TaggingReport } from "../metrics.js";
import { argmaxDecoder, invalidTransitions, isIOB2, tagDecoder } from "../decoding.js";
import { tokenCrossEntropy } from "../ops/index.js";
import type { Classifier } from "../models/classifier.js";
import type { Tagger } from "../models/tagger.js";
import { deriveSeed } from "../random.js";
import type { Rng } from "../random.js";
import type { PaddedBatch, SequenceExample } from "./batching.js";
import { bucketBatches, padBatch } from "./batching.js";
import { judgedBy, type MainMetric } from "../main-metrics.js";
import type { Split, Task } from "./task.js";
import { yieldToEventLoop } from "./event-loop.js";
import { dropWords, singletonIds, type WordDropout } from "./word-dropout.js";

export interface SequenceData {
  train: SequenceExample[];
  valid?: SequenceExample[];
  test?: SequenceExample[];
}

export interface SequenceTaskOptions {
  batchSize: number;
  seed: number;
  /** Training only: singletons read as <unk> with probability p (train/word-dropout.ts); absent: off. */
  wordDropout?: WordDropout;
}

/** Tensors of a padded batch (ids as given: word dropout replaces some), with its words; the caller's tidy disposes them. */
function batchTensors(b: PaddedBatch, ids: Int32Array = b.ids) {
  return {
    ids: tf.tensor2d(ids, [b.batch, b.time], "int32"),
    mask: tf.tensor2d(b.mask, [b.batch, b.time], "float32"),
    words: b.words,
  };
}

abstract class SequenceTask implements Task {
  abstract readonly kind: "tagger" | "classifier";
  abstract readonly mainMetric: MainMetric;
  #order: number[][] = [];
  #singletons: Set<number> | undefined;

  constructor(
    readonly model: Tagger | Classifier,
    readonly data: SequenceData,
    readonly options: SequenceTaskOptions,
  ) {}

  get params() {
    return this.model.params;
  }

  batchCount(): number {
    return Math.ceil(this.data.train.length / this.options.batchSize);
  }

  beginEpoch(epoch: number): void {
    this.#order = bucketBatches(this.data.train, this.options.batchSize, deriveSeed(this.options.seed, 1000 + epoch));
  }

  protected batch(index: number): PaddedBatch {
    return padBatch(this.data.train, this.#order[index] ?? []);
  }

  /** A training batch's tensors, with word dropout applied to its ids (the rng is the trainer's). */
  protected trainTensors(b: PaddedBatch, rng: Rng) {
    const drop = this.options.wordDropout;
    if (!drop || drop.p <= 0) return batchTensors(b);
    this.#singletons ??= singletonIds(this.data.train, drop.unk);
    return batchTensors(b, dropWords(b.ids, this.#singletons, drop, rng));
  }

  abstract loss(index: number, rng: Rng): tf.Scalar;

  tokens(index: number): number {
    return this.batch(index).tokens;
  }

  endStep(): void {}

  hasSplit(split: Split): boolean {
    return (this.data[split]?.length ?? 0) > 0;
  }

  /** Run the model over a split; returns per-batch padded batches, logits values and losses. */
  protected async *evalBatches(split: Split, maxBatches: number) {
    const examples = this.data[split] ?? [];
    const batches = bucketBatches(examples, this.options.batchSize).slice(0, maxBatches);
    for (const indices of batches) {
      const b = padBatch(examples, indices);
      const [loss, pred, positions] = tf.tidy(() => this.evalBatch(b));
      const out = { batch: b, loss: (await loss.data())[0] as number, pred: Array.from(await pred.data()), positionSums: await positions?.data() };
      tf.dispose([loss, pred, positions ?? []]);
      await yieldToEventLoop(); // a full validation pass takes seconds: let heartbeats through
      yield out;
    }
  }

  /** Mean loss, predictions, and (taggers) the loss summed over the batch at each position [T]. */
  protected abstract evalBatch(b: PaddedBatch): [tf.Scalar, tf.Tensor, tf.Tensor1D?];
  abstract evaluate(split: Split, maxBatches?: number): Promise<Record<string, number>>;

  carried(): Map<string, tf.Tensor> {
    return new Map();
  }

  restoreCarried(): void {}
  dispose(): void {}
}

export class TaggerTask extends SequenceTask {
  readonly kind = "tagger" as const;
  /** Entity F1 for an IOB2 tag set (NER), else token accuracy (POS). */
  readonly mainMetric: MainMetric;
  readonly #lossByPosition: Partial<Record<Split, LossByPosition>> = {};
  readonly #reports: Partial<Record<Split, TaggingReport>> = {};

  /** `tagNames` (id order) switches on span precision/recall/F1 when they form an IOB2 set. */
  constructor(
    readonly tagger: Tagger,
    data: SequenceData,
    options: SequenceTaskOptions,
    readonly tagNames?: readonly string[],
  ) {
    super(tagger, data, options);
    this.mainMetric = judgedBy("tagger", tagNames && isIOB2(tagNames) ? ["loss", "accuracy", "precision", "recall", "f1"] : ["loss", "accuracy"]);
  }

  loss(index: number, rng: Rng): tf.Scalar {
    const b = this.batch(index);
    const { ids, mask, words } = this.trainTensors(b, rng);
    return this.tagger.loss(ids, tf.tensor2d(b.tags as Int32Array, [b.batch, b.time], "int32"), mask, { rng, words });
  }

  protected evalBatch(b: PaddedBatch): [tf.Scalar, tf.Tensor, tf.Tensor1D] {
    const { ids, mask, words } = batchTensors(b);
    const logits = this.tagger.forward(ids, mask, { words }); // [B, T, K]
    const tags = tf.tensor2d(b.tags as Int32Array, [b.batch, b.time], "int32");
    const loss = this.tagger.lossFromLogits(logits, tags, mask);
    const nll = tf.reshape(tokenCrossEntropy(tf.reshape(logits, [b.batch * b.time, -1]) as tf.Tensor2D, tf.reshape(tags, [-1]) as tf.Tensor1D), [
      b.batch,
      b.time,
    ]); // [B, T]
    // log-probabilities [B, T, K]: evaluate() decodes them (argmax, or the best valid IOB2 sequence)
    return [loss, tf.logSoftmax(logits), tf.sum(tf.mul(nll, mask), 0) as tf.Tensor1D]; // masked, summed over the batch  [T]
  }

  /** The mean loss at each distance from the sentence start, from the last evaluation of `split`. */
  lossByPosition(split: Split): LossByPosition | undefined {
    return this.#lossByPosition[split];
  }

  /** Per-type entity scores (IOB2) and the tag confusion from the last evaluation of `split`. */
  taggingReport(split: Split): TaggingReport | undefined {
    return this.#reports[split];
  }

  async evaluate(split: Split, maxBatches = Infinity): Promise<Record<string, number>> {
    let total = 0,
      tokens = 0;
    const gold: number[][] = [],
      pred: number[][] = [];
    let argmaxInvalid = 0;
    const byPosition = new PositionLoss("sentence");
    for await (const { batch: b, loss, pred: logProbs, positionSums } of this.evalBatches(split, maxBatches)) {
      total += loss * b.tokens;
      tokens += b.tokens;
      if (positionSums)
        byPosition.add(
          positionSums,
          Array.from({ length: b.time }, (_, t) => b.lengths.filter((n) => n > t).length),
        );
      const names = this.tagNames ?? Array.from({ length: logProbs.length / (b.batch * b.time) }, (_, k) => String(k));
      const { kind, decode } = tagDecoder(names);
      const argmax = argmaxDecoder(names);
      b.lengths.forEach((len, i) => {
        const offset = i * b.time * names.length; // sentence i of the batch's log-probabilities [B, T, K]
        gold.push(Array.from(b.tags?.subarray(i * b.time, i * b.time + len) ?? []));
        pred.push(decode(logProbs, len, offset));
        if (kind === "iob2") argmaxInvalid += invalidTransitions(argmax(logProbs, len, offset).map((k) => names[k] ?? "O"));
      });
    }
    this.#lossByPosition[split] = byPosition.result();
    const metrics: Record<string, number> = { loss: total / Math.max(tokens, 1), accuracy: accuracy(pred.flat(), gold.flat()) };
    if (this.tagNames) {
      const iob = isIOB2(this.tagNames);
      const report = taggingReport(pred, gold, this.tagNames, { decoding: iob ? "iob2" : "argmax", ...(iob ? { argmaxInvalid } : {}) });
      this.#reports[split] = report;
      if (report.entities) {
        const { precision, recall, f1 } = report.entities.overall;
        Object.assign(metrics, { precision, recall, f1 });
      }
    }
    return metrics;
  }
}

export class ClassifierTask extends SequenceTask {
  readonly kind = "classifier" as const;
  readonly mainMetric = judgedBy("classifier", ["loss", "accuracy", "macroF1"]);

  constructor(
    readonly classifier: Classifier,
    data: SequenceData,
    options: SequenceTaskOptions,
  ) {
    super(classifier, data, options);
  }

  loss(index: number, rng: Rng): tf.Scalar {
    const b = this.batch(index);
    const { ids, mask, words } = this.trainTensors(b, rng);
    return this.classifier.loss(ids, tf.tensor1d(b.labels as Int32Array, "int32"), mask, { rng, words });
  }

  protected evalBatch(b: PaddedBatch): [tf.Scalar, tf.Tensor] {
    const { ids, mask, words } = batchTensors(b);
    const logits = this.classifier.forward(ids, mask, { words }); // [B, C]
    return [this.classifier.lossFromLogits(logits, tf.tensor1d(b.labels as Int32Array, "int32")), tf.argMax(logits, 1)];
  }

  async evaluate(split: Split, maxBatches = Infinity): Promise<Record<string, number>> {
    let total = 0;
    const gold: number[] = [],
      pred: number[] = [];
    for await (const { batch: b, loss, pred: p } of this.evalBatches(split, maxBatches)) {
      total += loss * b.batch;
      gold.push(...Array.from(b.labels ?? []));
      pred.push(...p);
    }
    return { loss: total / Math.max(gold.length, 1), accuracy: accuracy(pred, gold), macroF1: macroF1(pred, gold) };
  }
}
