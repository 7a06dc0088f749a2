// Elman (simple) RNN, J&M eq. 8.1-8.2:  h_t = g(U h_{t-1} + W x_t + b),  g = tanh or relu.
// Torch's nn.RNN(nonlinearity=...) with the same tensors: W = weight_ih, U = weight_hh, b = bias_ih + bias_hh.
import * as tf from "@tensorflow/tfjs-core";
import { elmanSequence, rnnSequenceAvailable } from "../ops/rnn-sequence.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { Activation, Cell, CellState, ComponentTap, PreparedCell } from "./cell.js";
import { lastStep, TorchCell } from "./cell.js";

export class ElmanCell extends TorchCell implements Cell {
  readonly kind = "elman" as const;
  readonly stateSize = 1;

  constructor(
    params: Parameters,
    prefix: string,
    suffix: string,
    inputSize: number,
    hiddenSize: number,
    rng: Rng,
    readonly activation: Activation = "tanh",
  ) {
    super(params, prefix, suffix, inputSize, hiddenSize, rng, 1);
  }

  step(p: PreparedCell, xp: tf.Tensor2D, [h]: CellState, tap?: ComponentTap): CellState {
    return tf.tidy(() => {
      const z = tf.add(xp, tf.matMul(p.u, h as tf.Tensor2D)); // U h_{t-1} + W x_t + b   [H, B]
      const hNext = (this.activation === "relu" ? tf.relu(z) : tf.tanh(z)) as tf.Tensor2D; // h_t = g(z)
      return [tap ? tap("h", hNext) : hNext];
    });
  }

  /** The same recurrence as `step`, all steps in one kernel (wasm with the native addon, webgpu). */
  sequence(p: PreparedCell, xs: tf.Tensor3D, [h0]: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } | undefined {
    if (!rnnSequenceAvailable("elman") || xs.shape[1] === 0) return undefined;
    return tf.tidy(() => {
      const hs = elmanSequence(xs, p.u, h0 as tf.Tensor2D, this.activation, mask); // [B, T, H]
      return { outputs: hs, state: [lastStep(hs)] };
    });
  }
}
