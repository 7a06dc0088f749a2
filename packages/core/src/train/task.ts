// What the trainer needs from a task (language model, tagger, classifier): batches by index, a
// loss to differentiate, evaluation, and any state carried from one step to the next.
import type * as tf from "@tensorflow/tfjs-core";
import type { LossByPosition } from "../diagnostics/loss-by-position.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { MainMetric } from "../main-metrics.js";
import type { TaggingReport } from "../metrics.js";

export type TaskKind = "lm" | "tagger" | "classifier";
export type Split = "valid" | "test";

export interface Task {
  readonly kind: TaskKind;
  readonly params: Parameters;
  /** What validation is judged by (best checkpoint, lr decay, early stopping): a key of evaluate()'s result. */
  readonly mainMetric: MainMetric;
  /** Training batches per epoch. */
  batchCount(): number;
  /** Fix the batch order of `epoch` (from the seed) and reset per-epoch state (LM hidden state). */
  beginEpoch(epoch: number): void;
  /** Loss of training batch `index`; runs under the gradient tape. `rng` draws dropout masks. */
  loss(index: number, rng: Rng): tf.Scalar;
  /** Real (non-padding) tokens in training batch `index`. */
  tokens(index: number): number;
  /** After a step: keep (true) or drop the state the last `loss` produced. */
  endStep(commit: boolean): void;
  hasSplit(split: Split): boolean;
  /** Metrics on a split (loss first), over at most `maxBatches` batches. */
  evaluate(split: Split, maxBatches?: number): Promise<Record<string, number>>;
  /** The mean loss at each position (lm: in the BPTT window; tagger: from the sentence start), from the last evaluation of `split`. */
  lossByPosition?(split: Split): LossByPosition | undefined;
  /** Taggers: per-type entity scores (IOB2) and the tag confusion, from the last evaluation of `split`. */
  taggingReport?(split: Split): TaggingReport | undefined;
  /** State carried across steps (the LM's hidden state), for checkpoints; owned by the task. */
  carried(): Map<string, tf.Tensor>;
  restoreCarried(state: Map<string, tf.Tensor>): void;
  /** Disposes carried state (not the model). */
  dispose(): void;
}
