// What every recurrent cell provides, and the time loop that runs one over a sequence.
//
// Weights are stored in PyTorch's nn.RNN/nn.LSTM/nn.GRU layout (gates stacked along rows):
//   weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H]
// and transposed ONCE per forward (`prepare`), never per time step. The input projection
// X W^T for all time steps is one matMul before the loop (`project`); each step then does one
// fused gate matMul h_{t-1} U^T and cheap elementwise work.
import * as tf from "@tensorflow/tfjs-core";
import { stackTime, unstackTime } from "../ops/index.js";
import type { Parameters } from "../params.js";
import { uniformInit } from "../params.js";
import type { Rng } from "../random.js";

export type CellKind = "elman" | "lstm" | "gru";
export type Activation = "tanh" | "relu";

/** The recurrent state of one cell: [h] (Elman, GRU) or [h, c] (LSTM), each [batch, hidden]. */
export type CellState = tf.Tensor2D[];

/** Per-forward weights in matMul-friendly layout. */
export interface PreparedCell {
  wT: tf.Tensor2D; // [I, G*H]  = weight_ih^T
  uT: tf.Tensor2D; // [H, G*H]  = weight_hh^T
  bx: tf.Tensor1D; // [G*H] bias added to the hoisted input projection
  bh?: tf.Tensor1D; // [G*H] bias kept inside the recurrence (GRU's b_hn sits inside r * (...))
}

export interface Cell {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Number of state tensors: 1 (h) or 2 (h, c). */
  readonly stateSize: number;
  /** Transpose weights once; call inside a tidy (the result is as long-lived as that scope). */
  prepare(): PreparedCell;
  /** One recurrence step from the projected input xp_t [B, G*H] (bx already added). */
  step(p: PreparedCell, xp: tf.Tensor2D, state: CellState): CellState;
}

/** Torch parameter names of one cell: `${prefix}weight_ih${suffix}` with suffix like `_l0_reverse`. */
export function cellParamNames(prefix: string, suffix: string) {
  return {
    wih: `${prefix}weight_ih${suffix}`,
    whh: `${prefix}weight_hh${suffix}`,
    bih: `${prefix}bias_ih${suffix}`,
    bhh: `${prefix}bias_hh${suffix}`,
  };
}

/** Register the four tensors of a cell with `gates` stacked blocks, torch's init U(-1/sqrt(H), 1/sqrt(H)). */
export function addCellParams(params: Parameters, names: ReturnType<typeof cellParamNames>, rng: Rng, inputSize: number, hiddenSize: number, gates: number): void {
  const k = 1 / Math.sqrt(hiddenSize);
  params.add(names.wih, uniformInit(rng, [gates * hiddenSize, inputSize], k));
  params.add(names.whh, uniformInit(rng, [gates * hiddenSize, hiddenSize], k));
  params.add(names.bih, uniformInit(rng, [gates * hiddenSize], k));
  params.add(names.bhh, uniformInit(rng, [gates * hiddenSize], k));
}

/** Number of scalars in one cell (the same count as torch). */
export function cellParamCount(kind: CellKind, inputSize: number, hiddenSize: number): number {
  const g = gatesOf(kind);
  return g * hiddenSize * (inputSize + hiddenSize + 2);
}

export function gatesOf(kind: CellKind): number {
  return kind === "lstm" ? 4 : kind === "gru" ? 3 : 1;
}

export function zeroState(cell: Cell, batch: number): CellState {
  return Array.from({ length: cell.stateSize }, () => tf.zeros([batch, cell.hiddenSize]) as tf.Tensor2D);
}

/**
 * Run `cell` over x [B, T, I] from `state0`. With `mask` [B, T] (1 = token, 0 = padding), padded
 * positions leave the state untouched (h_t = h_{t-1}) and output zeros, so a padded batch gives the
 * same outputs and final states as each sequence run alone (torch's packed sequences behave alike).
 * @returns outputs [B, T, H] and the final state.
 */
export function runCell(cell: Cell, x: tf.Tensor3D, state0: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } {
  return tf.tidy(() => {
    const [B, T, I] = x.shape;
    const p = cell.prepare();
    // Hoisted input projection: X W^T + b for every time step in one matMul.
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * T, I]), p.wT), p.bx), [B, T, -1]); // [B, T, G*H]
    const xs = unstackTime(xp as tf.Tensor3D); // T x [B, G*H], one pass
    const ms = mask ? unstackTime(tf.expandDims(mask, 2) as tf.Tensor3D) : undefined; // T x [B, 1]
    let state = state0;
    const outs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const next = tf.tidy(() => {
        const s = cell.step(p, xs[t] as tf.Tensor2D, state);
        const m = ms?.[t];
        if (!m) return [...s, s[0] as tf.Tensor2D];
        // s_t = s_{t-1} + m_t (s_t' - s_{t-1}): padding keeps the previous state; output m_t h_t.
        const kept = s.map((si, k) => tf.add(state[k] as tf.Tensor2D, tf.mul(m, tf.sub(si, state[k] as tf.Tensor2D))) as tf.Tensor2D);
        return [...kept, tf.mul(m, kept[0] as tf.Tensor2D) as tf.Tensor2D];
      });
      outs.push(next.pop() as tf.Tensor2D);
      state = next;
    }
    return { outputs: stackTime(outs), state }; // [B, T, H]
  });
}
