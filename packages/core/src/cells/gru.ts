// GRU (Cho et al. 2014) in PyTorch's formulation and gate order (r, z, n):
//   r_t = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
//   z_t = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
//   n_t = tanh (W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))  candidate (b_hn inside r_t * ...)
//   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
import * as tf from "@tensorflow/tfjs-core";
import { gruCell } from "../ops/gru-cell.js";
import { gruSequence, rnnSequenceAvailable } from "../ops/rnn-sequence.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { Cell, CellState, PreparedCell } from "./cell.js";
import { addCellParams, cellParamNames, lastStep } from "./cell.js";

export class GRUCell implements Cell {
  readonly kind = "gru" as const;
  readonly stateSize = 1;
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
    addCellParams(params, this.#names, rng, inputSize, hiddenSize, 3);
  }

  prepare(): PreparedCell {
    const p = this.params;
    return {
      w: tf.clone(p.get<tf.Rank.R2>(this.#names.wih)), // [3H, I] as stored (callers may dispose)
      u: tf.clone(p.get<tf.Rank.R2>(this.#names.whh)), // [3H, H] as stored
      bx: tf.clone(p.get<tf.Rank.R1>(this.#names.bih)), // b_i* join the hoisted projection (clone: callers may dispose)
      bh: tf.reshape(p.get<tf.Rank.R1>(this.#names.bhh), [-1, 1]), // [3H, 1] b_h* stay in the step: b_hn is scaled by r_t
    };
  }

  step(p: PreparedCell, xp: tf.Tensor2D, [h]: CellState): CellState {
    return tf.tidy(() => {
      const hPrev = h as tf.Tensor2D;
      const hp = tf.add(tf.matMul(p.u, hPrev), p.bh as tf.Tensor2D) as tf.Tensor2D; // one fused matMul  [3H, B]
      // the equations above, one kernel forward and one backward (ops/gru-cell.ts)
      return [gruCell(xp, hp, hPrev)]; // h_t = (1 - z) n + z h_{t-1}  [H, B]
    });
  }

  /** The same recurrence as `step`, all steps in one kernel (wasm with the native addon). */
  sequence(p: PreparedCell, xs: tf.Tensor3D, [h0]: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } | undefined {
    if (!rnnSequenceAvailable("gru") || xs.shape[1] === 0) return undefined;
    return tf.tidy(() => {
      const hs = gruSequence(xs, p.u, p.bh!, h0 as tf.Tensor2D, mask); // [B, T, H]
      return { outputs: hs, state: [lastStep(hs)] };
    });
  }
}
