// Language-model task: batchified token stream, truncated BPTT with the hidden state carried
// (and detached) across chunks, evaluation as word_language_model `evaluate` (chunk-length
// weighted mean loss over the split, eval batch size 10).
import * as tf from "@tensorflow/tfjs-core";
import type { RNNState } from "../layers/stacked.js";
import { disposeState } from "../layers/stacked.js";
import type { LossByPosition } from "../diagnostics/loss-by-position.js";
import { PositionLoss } from "../diagnostics/loss-by-position.js";
import { perplexity } from "../metrics.js";
import type { LanguageModel } from "../models/language-model.js";
import { tokenCrossEntropy } from "../ops/index.js";
import type { Rng } from "../random.js";
import type { Batchified, LMChunk } from "./batching.js";
import { batchify, lmChunk, lmChunkCount } from "./batching.js";
import { judgedBy } from "../main-metrics.js";
import type { Split, Task } from "./task.js";
import { yieldToEventLoop } from "./event-loop.js";

export interface LMData {
  train: ArrayLike<number>;
  valid?: ArrayLike<number>;
  test?: ArrayLike<number>;
}

export interface LMTaskOptions {
  batchSize: number;
  bptt: number;
  evalBatchSize?: number;
}

export class LMTask implements Task {
  readonly kind = "lm" as const;
  readonly mainMetric = judgedBy("lm", ["loss", "perplexity"]);
  readonly #train: Batchified;
  readonly #eval: Partial<Record<Split, Batchified>> = {};
  #state: RNNState | undefined;
  readonly #lossByPosition: Partial<Record<Split, LossByPosition>> = {};
  #pending: RNNState | undefined;

  constructor(
    readonly model: LanguageModel,
    data: LMData,
    readonly options: LMTaskOptions,
  ) {
    this.#train = batchify(data.train, options.batchSize);
    for (const split of ["valid", "test"] as const) {
      const tokens = data[split];
      if (tokens && tokens.length >= 4) this.#eval[split] = batchify(tokens, Math.min(options.evalBatchSize ?? 10, Math.floor(tokens.length / 2)));
    }
  }

  get params() {
    return this.model.params;
  }

  batchCount(): number {
    return lmChunkCount(this.#train, this.options.bptt);
  }

  beginEpoch(): void {
    disposeState(this.#state); // word_language_model: hidden = init_hidden() at each epoch
    this.#state = undefined;
  }

  loss(index: number, rng: Rng): tf.Scalar {
    const c = lmChunk(this.#train, index, this.options.bptt);
    const ids = tf.tensor2d(c.ids, [c.batch, c.time], "int32");
    const targets = tf.tensor2d(c.targets, [c.batch, c.time], "int32");
    const { loss, state } = this.model.loss(ids, targets, this.#state, rng);
    // The new state leaves the tape as plain values: next step starts from it without gradient
    // flowing back into this chunk (repackage_hidden / detach in word_language_model).
    disposeState(this.#pending);
    this.#pending = state.map((s) => s.map((t) => tf.keep(t)));
    return loss;
  }

  tokens(index: number): number {
    return this.#train.cols * Math.min(this.options.bptt, this.#train.rows - 1 - index * this.options.bptt);
  }

  endStep(commit: boolean): void {
    if (commit) {
      disposeState(this.#state);
      this.#state = this.#pending;
    } else disposeState(this.#pending);
    this.#pending = undefined;
  }

  hasSplit(split: Split): boolean {
    return this.#eval[split] !== undefined;
  }

  async evaluate(split: Split, maxBatches = Infinity): Promise<Record<string, number>> {
    const src = this.#eval[split];
    if (!src) return {};
    const n = Math.min(lmChunkCount(src, this.options.bptt), maxBatches);
    let state: RNNState | undefined;
    let total = 0;
    let count = 0;
    const byPosition = new PositionLoss("window");
    for (let i = 0; i < n; i++) {
      const c = lmChunk(src, i, this.options.bptt);
      const out = tf.tidy(() => {
        const r = this.model.forward(tf.tensor2d(c.ids, [c.batch, c.time], "int32"), state); // logits [B, T, V]
        const nll = tokenCrossEntropy(tf.reshape(r.logits, [c.batch * c.time, -1]) as tf.Tensor2D, tf.tensor1d(c.targets, "int32")); // [B*T]
        return { sums: tf.sum(tf.reshape(nll, [c.batch, c.time]), 0), state: r.state }; // summed over the batch  [T]
      });
      disposeState(state);
      state = out.state;
      const sums = (await out.sums.data()) as Float32Array;
      out.sums.dispose();
      byPosition.add(sums, new Array<number>(c.time).fill(c.batch));
      total += sums.reduce((a, b) => a + b, 0) / c.batch; // the chunk's mean loss weighted by its length
      count += c.time;
      await yieldToEventLoop(); // a full validation pass takes seconds: let heartbeats through
    }
    disposeState(state);
    this.#lossByPosition[split] = byPosition.result();
    const loss = total / Math.max(count, 1);
    return { loss, perplexity: perplexity(loss) };
  }

  /** The mean loss at each position of the BPTT window, from the last evaluation of `split`. */
  lossByPosition(split: Split): LossByPosition | undefined {
    return this.#lossByPosition[split];
  }

  /** The diagnostics' fixed probe: the first two chunks of the validation stream (else training's), eval layout. */
  probeChunks(): LMChunk[] {
    const src = this.#eval.valid ?? this.#train;
    return Array.from({ length: Math.min(2, lmChunkCount(src, this.options.bptt)) }, (_, i) => lmChunk(src, i, this.options.bptt));
  }

  carried(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.#state?.forEach((s, k) => s.forEach((t, j) => out.set(`hidden.l${k}.${j === 0 ? "h" : "c"}`, t)));
    return out;
  }

  restoreCarried(state: Map<string, tf.Tensor>): void {
    disposeState(this.#state);
    const layers: tf.Tensor2D[][] = [];
    for (const [key, t] of state) {
      const m = /^hidden\.l(\d+)\.(h|c)$/.exec(key);
      if (!m) continue;
      const k = Number(m[1]);
      (layers[k] ??= [])[m[2] === "h" ? 0 : 1] = tf.clone(t) as tf.Tensor2D;
    }
    this.#state = layers.length ? layers : undefined;
  }

  dispose(): void {
    this.endStep(false);
    disposeState(this.#state);
    this.#state = undefined;
  }
}
