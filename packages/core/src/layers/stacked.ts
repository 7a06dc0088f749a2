// Stacked (multi-layer) RNN, J&M 8.5.1: the outputs of layer l are the inputs of layer l+1,
// with dropout between layers (as torch's nn.LSTM(dropout=p): not after the last layer).
// Parameters are named as in torch: `${prefix}weight_ih_l{k}` and `..._l{k}_reverse`.
import * as tf from "@tensorflow/tfjs-core";
import type { Activation, CellKind, CellState, StepValue } from "../cells/index.js";
import { createCell, zeroState } from "../cells/index.js";
import { stackedParamCount } from "../param-count.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import { RecurrentLayer } from "./bidirectional.js";
import { dropout } from "./dropout.js";

export interface StackedRNNConfig {
  cell: CellKind;
  activation?: Activation;
  layers: number;
  inputSize: number;
  hiddenSize: number;
  bidirectional?: boolean;
  /** Dropout between layers. */
  dropout?: number;
}

/** Per layer and direction, torch's h_n order: index = layer * directions + direction. */
export type RNNState = CellState[];

export interface ForwardOptions {
  mask?: tf.Tensor2D; // [B, T], 1 = token, 0 = padding
  /** Present only in training: draws dropout masks. */
  rng?: Rng;
}

/** Sees each value (state or gate) of layer-and-direction `index` (h_n order) at position t (-1: initial), feature-major [H, B]. */
export type LayerTap = (index: number, t: number, name: StepValue, s: tf.Tensor2D) => tf.Tensor2D;

export class StackedRNN {
  readonly layers: RecurrentLayer[] = [];
  #tap: LayerTap | undefined;

  constructor(
    params: Parameters,
    readonly config: StackedRNNConfig,
    rng: Rng,
    prefix = "rnn.",
  ) {
    const { cell, activation, layers, inputSize, hiddenSize, bidirectional } = config;
    for (let k = 0; k < layers; k++) {
      const inSize = k === 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1);
      const f = createCell(cell, params, prefix, `_l${k}`, inSize, hiddenSize, rng, activation);
      const b = bidirectional ? createCell(cell, params, prefix, `_l${k}_reverse`, inSize, hiddenSize, rng, activation) : undefined;
      this.layers.push(new RecurrentLayer(f, b));
    }
  }

  static paramCount(c: StackedRNNConfig): number {
    return stackedParamCount(c);
  }

  get directions(): number {
    return this.config.bidirectional ? 2 : 1;
  }

  get outputSize(): number {
    return this.config.hiddenSize * this.directions;
  }

  /** Zero state for a batch (h_0 = 0, c_0 = 0), in torch's h_n order. */
  zeroState(batch: number): RNNState {
    return this.layers.flatMap((l) => [l.forwardCell, ...(l.backwardCell ? [l.backwardCell] : [])].map((c) => zeroState(c, batch)));
  }

  /**
   * Runs `fn` (which calls `forward`, through a model) with every state of every layer passing
   * through `tap`, step by step (diagnostics: the fused kernels would hide the recurrence).
   */
  withTap<T>(tap: LayerTap, fn: () => T): T {
    this.#tap = tap;
    try {
      return fn();
    } finally {
      this.#tap = undefined;
    }
  }

  /** x [B, T, I] -> outputs of the last layer [B, T, H * dirs] and the final state of every layer. */
  forward(x: tf.Tensor3D, state: RNNState | undefined, { mask, rng }: ForwardOptions = {}): { outputs: tf.Tensor3D; state: RNNState } {
    return tf.tidy(() => {
      const s0 = state ?? this.zeroState(x.shape[0]);
      const dirs = this.directions;
      let h = x;
      const finals: RNNState = [];
      this.layers.forEach((layer, k) => {
        if (k > 0) h = dropout(h, this.config.dropout ?? 0, rng); // between layers only
        const tap = this.#tap;
        const taps = tap && Array.from({ length: dirs }, (_, d) => (t: number, name: StepValue, s: tf.Tensor2D) => tap(k * dirs + d, t, name, s));
        const out = layer.forward(h, s0.slice(k * dirs, (k + 1) * dirs), mask, taps);
        h = out.outputs; // [B, T, H * dirs]
        finals.push(...out.states);
      });
      return { outputs: h, state: finals };
    });
  }
}

/** Dispose every tensor of a state (replacing state disposes the old one). */
export function disposeState(state: RNNState | undefined): void {
  state?.forEach((s) => s.forEach((t) => t.dispose()));
}
