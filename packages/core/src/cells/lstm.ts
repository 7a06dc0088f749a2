// LSTM, J&M eq. 8.21-8.27, in PyTorch's formulation and gate order (i, f, g, o), so that
// weight_ih_l0 = [W_ii | W_if | W_ig | W_io] stacked along rows loads directly into nn.LSTM:
//   i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
//   f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
//   g_t = tanh (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)      candidate
//   o_t = sigma(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
//   c_t = f_t * c_{t-1} + i_t * g_t
//   h_t = o_t * tanh(c_t)
import * as tf from "@tensorflow/tfjs-core";
import { lstmCell } from "../ops/lstm-cell.js";
import { lstmSequence, rnnSequenceAvailable } from "../ops/rnn-sequence.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { Cell, CellState, PreparedCell } from "./cell.js";
import { addCellParams, cellParamNames, lastStep } from "./cell.js";

export class LSTMCell implements Cell {
  readonly kind = "lstm" as const;
  readonly stateSize = 2;
  readonly #names: ReturnType<typeof cellParamNames>;

  constructor(
    readonly params: Parameters,
    prefix: string,
    suffix: string,
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Rng,
  ) {
    this.#names = cellParamNames(prefix, suffix);
    addCellParams(params, this.#names, rng, inputSize, hiddenSize, 4);
  }

  prepare(): PreparedCell {
    const p = this.params;
    return {
      w: tf.clone(p.get<tf.Rank.R2>(this.#names.wih)), // [4H, I] as stored (callers may dispose)
      u: tf.clone(p.get<tf.Rank.R2>(this.#names.whh)), // [4H, H] as stored
      bx: tf.add(p.get<tf.Rank.R1>(this.#names.bih), p.get<tf.Rank.R1>(this.#names.bhh)), // [4H]
    };
  }

  step(p: PreparedCell, xp: tf.Tensor2D, [h, c]: CellState): CellState {
    return tf.tidy(() => {
      const uh = tf.matMul(p.u, h as tf.Tensor2D) as tf.Tensor2D; // one fused matMul for all gates  [4H, B]
      // the equations above, one kernel forward and one backward (ops/lstm-cell.ts)
      const [hNext, cNext] = lstmCell(xp, uh, c as tf.Tensor2D); // 2 x [H, B]
      return [hNext, cNext];
    });
  }

  /** The same recurrence as `step`, all steps in one kernel (wasm with the native addon). */
  sequence(p: PreparedCell, xs: tf.Tensor3D, [h0, c0]: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } | undefined {
    if (!rnnSequenceAvailable("lstm") || xs.shape[1] === 0) return undefined;
    return tf.tidy(() => {
      const { hs, cs } = lstmSequence(xs, p.u, h0 as tf.Tensor2D, c0 as tf.Tensor2D, mask); // [B, T, H] each
      return { outputs: hs, state: [lastStep(hs), lastStep(cs)] };
    });
  }
}
