// Which weights a run keeps, when its learning rate drops, and when it stops, judged at every
// validation by the task's main metric (main-metrics.ts: a language model's perplexity; a
// tagger's entity F1 on IOB2 tags, else its accuracy; a classifier's accuracy). As papers report and word_language_model
// does (it reloads its best model before testing), the test split is scored with the weights of
// the best validation, not the last ones.
//   improved:        best <- (value, step); stale <- 0; plateau <- 0; keep these weights
//   not improved:    stale++, plateau++;
//                    plateau > lrPatience -> lr <- lr / lrDecay, plateau <- 0 (lrDecay > 1 only)
//                    patience > 0 and stale >= patience -> stop (early stopping)
import * as tf from "@tensorflow/tfjs-core";
import type { Parameters } from "../params.js";

import type { MainMetric } from "../main-metrics.js";

export type { MainMetric } from "../main-metrics.js";

/** Where judging stands; stored in checkpoints with the trainer state. */
export interface SelectionState {
  /** The best validation so far: its step, and the main metric's value there. */
  best: { step: number; value: number } | null;
  /** Validations in a row without improvement (early stopping counts these). */
  stale: number;
  /** Validations without improvement since the last improvement or lr decay. */
  plateau: number;
}

export interface SelectionConfig {
  /** Divide lr by this on a plateau (1: never). */
  lrDecay: number;
  /** Validations without improvement tolerated before lr is divided. */
  lrPatience: number;
  /** Stop after this many validations in a row without improvement (0: never). */
  patience: number;
}

/**
 * Validations without improvement before lr is divided, when the config does not say: SGD at
 * once (word_language_model); Adam adapts its steps itself, and dividing at every noisy
 * validation left taggers at lr 1e-13, so it waits for a plateau of three.
 */
export const DEFAULT_LR_PATIENCE = { sgd: 0, adam: 2 } as const;

export type Verdict = { improved: true } | { improved: false; decayLr: boolean; stop: boolean };

export function emptySelection(): SelectionState {
  return { best: null, stale: 0, plateau: 0 };
}

/** Judges one validation's `value` of `metric` at `step`, updating `state`. A NaN never improves. */
export function judge(state: SelectionState, value: number, step: number, metric: MainMetric, config: SelectionConfig): Verdict {
  const best = state.best;
  const better = Number.isFinite(value) && (best === null || (metric.higherIsBetter ? value > best.value : value < best.value));
  if (better) {
    state.best = { step, value };
    state.stale = 0;
    state.plateau = 0;
    return { improved: true };
  }
  state.stale++;
  state.plateau++;
  const decayLr = config.lrDecay > 1 && state.plateau > config.lrPatience;
  if (decayLr) state.plateau = 0;
  return { improved: false, decayLr, stop: config.patience > 0 && state.stale >= config.patience };
}

/** Copies of the parameters at the best validation, to score the test split with. */
export class BestWeights {
  #tensors = new Map<string, tf.Tensor>();
  #step: number | undefined;

  /** The step whose weights are held (undefined: none). */
  get step(): number | undefined {
    return this.#step;
  }

  /** Holds copies of `params` as the weights of `step`. */
  keep(params: Parameters, step: number): void {
    this.set(new Map(params.entries().map(([name, v]) => [name, tf.clone(v)])), step);
  }

  /** Takes over `tensors` (e.g. read from the best checkpoint when resuming) as the weights of `step`. */
  set(tensors: Map<string, tf.Tensor>, step: number): void {
    this.dispose();
    this.#tensors = tensors;
    this.#step = step;
  }

  /**
   * Runs `f` with the held weights in `params`, then puts the current ones back. Throws when a
   * held tensor does not match (a checkpoint of another model).
   */
  async with<T>(params: Parameters, f: () => Promise<T>): Promise<T> {
    const current = new Map(params.entries().map(([name, v]) => [name, tf.clone(v)]));
    try {
      for (const [name, v] of params.entries()) {
        const held = this.#tensors.get(name);
        if (!held || held.shape.join() !== v.shape.join()) throw new Error(`the best weights have no tensor ${name} of shape [${v.shape}]`);
        v.assign(held);
      }
      return await f();
    } finally {
      for (const [name, v] of params.entries()) v.assign(current.get(name)!);
      tf.dispose([...current.values()]);
    }
  }

  dispose(): void {
    tf.dispose([...this.#tensors.values()]);
    this.#tensors = new Map();
    this.#step = undefined;
  }
}
