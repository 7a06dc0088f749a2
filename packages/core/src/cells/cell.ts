// What every recurrent cell provides, and the time loop that runs one over a sequence.
//
// Weights are stored in PyTorch's nn.RNN/nn.LSTM/nn.GRU layout (gates stacked along rows):
//   weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H]
// The input projection X W^T + b for all time steps is one matMul before the loop (W as stored,
// with matMul's transposeB flag: free on BLAS; the bias added inside the kernel). Where the cell
// has a fused kernel for the whole loop (wasm with the native addon, webgpu), that kernel
// runs it; otherwise the loop below runs step by step with FEATURE-MAJOR states, h_t as [H, B]:
// the fused gate matMul U h_{t-1} then uses weight_hh exactly as stored, and the gate blocks and
// time steps are contiguous row ranges, so splitting them is a cheap copy on every backend
// (tfjs-cpu's slice of a column range walks element by element: ~40x slower here).
import * as tf from "@tensorflow/tfjs-core";
import type { Parameters } from "../params.js";
import { uniformInit } from "../params.js";
import type { Rng } from "../random.js";
import type { CellKind } from "./kinds.js";

export type { CellKind } from "./kinds.js";
export type Activation = "tanh" | "relu";

/** The recurrent state of one cell: [h] (Elman, GRU) or [h, c] (LSTM), each [batch, hidden]. */
export type CellState = tf.Tensor2D[];

/** Per-forward weights in matMul-friendly layout (fresh tensors: the holder disposes them). */
export interface PreparedCell {
  w: tf.Tensor2D; // [G*H, I]  = weight_ih as stored, for the hoisted projection X W^T (matMul's transposeB)
  u: tf.Tensor2D; // [G*H, H]   = weight_hh as stored: U h_{t-1} with h_{t-1} as [H, B]
  bx: tf.Tensor1D; // [G*H] bias added to the hoisted input projection
  bh?: tf.Tensor2D; // [G*H, 1] bias kept inside the recurrence (GRU's b_hn sits inside r * (...))
}

export interface Cell {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Number of state tensors: 1 (h) or 2 (h, c). */
  readonly stateSize: number;
  /** Weights in the layout the loop uses; call inside a tidy (the result is as long-lived as that scope). */
  prepare(): PreparedCell;
  /**
   * One recurrence step, feature-major: projected input xp_t [G*H, B] (bx added), states [H, B].
   * With `tap` (diagnostics), the textbook reference runs and each value it makes (gates, c_t, h_t)
   * passes through the tap as soon as it is made, before anything reads it.
   */
  step(p: PreparedCell, xp: tf.Tensor2D, state: CellState, tap?: ComponentTap): CellState;
  /**
   * All T steps at once where a fused kernel exists for the current backend (else undefined, and
   * runCell loops over `step`). Batch-major: projected inputs xs [B, T, G*H] (bx added), states
   * [B, H], mask [B, T] -> the carried state h_t for every t [B, T, H] (padded steps keep the
   * previous one: runCell zeroes those outputs) and the final state.
   */
  sequence?(p: PreparedCell, xs: tf.Tensor3D, state: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } | undefined;
}

/**
 * What a step makes, by name: the states h and (LSTM) c, and the gates after their activation,
 * LSTM i, f, g, o (J&M eq. 8.21-8.27) and GRU r, z, n.
 */
export type StepValue = "h" | "c" | "i" | "f" | "g" | "o" | "r" | "z" | "n";

/** The state component j of a CellState by name: [h] or [h, c]. */
export const STATE_NAMES = ["h", "c"] as const;

/** Sees (and may replace: add a zero to differentiate by) each value a step makes, [H, B], before anything reads it. */
export type ComponentTap = (name: StepValue, s: tf.Tensor2D) => tf.Tensor2D;

/** A ComponentTap for every position t of a sequence; t = -1 is the initial state. */
export type StepTap = (t: number, name: StepValue, s: tf.Tensor2D) => tf.Tensor2D;

/** The last time step of [B, T, H] as [B, H] (the final state of a fused sequence). */
export function lastStep(x: tf.Tensor3D): tf.Tensor2D {
  const [B, T, H] = x.shape;
  return tf.reshape(tf.slice(x, [0, T - 1, 0], [B, 1, H]), [B, H]);
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
export function addCellParams(
  params: Parameters,
  names: ReturnType<typeof cellParamNames>,
  rng: Rng,
  inputSize: number,
  hiddenSize: number,
  gates: number,
): void {
  const k = 1 / Math.sqrt(hiddenSize);
  params.add(names.wih, uniformInit(rng, [gates * hiddenSize, inputSize], k));
  params.add(names.whh, uniformInit(rng, [gates * hiddenSize, hiddenSize], k));
  params.add(names.bih, uniformInit(rng, [gates * hiddenSize], k));
  params.add(names.bhh, uniformInit(rng, [gates * hiddenSize], k));
}

export { cellParamCount, gatesOf } from "../param-count.js";

/**
 * What the three cells share: torch's four tensors, `gates` blocks stacked along rows, and the
 * prepared weights of a cell whose two biases both fold into the hoisted projection (Elman, LSTM;
 * GRU keeps b_h inside the recurrence and overrides `prepare`).
 */
export abstract class TorchCell {
  protected readonly names: ReturnType<typeof cellParamNames>;

  constructor(
    readonly params: Parameters,
    prefix: string,
    suffix: string,
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Rng,
    gates: number,
  ) {
    this.names = cellParamNames(prefix, suffix);
    addCellParams(params, this.names, rng, inputSize, hiddenSize, gates);
  }

  prepare(): PreparedCell {
    const p = this.params;
    return {
      w: tf.clone(p.get<tf.Rank.R2>(this.names.wih)), // [G*H, I] as stored (callers may dispose)
      u: tf.clone(p.get<tf.Rank.R2>(this.names.whh)), // [G*H, H] as stored
      bx: tf.add(p.get<tf.Rank.R1>(this.names.bih), p.get<tf.Rank.R1>(this.names.bhh)), // [G*H]: both biases fold into X W^T + b
    };
  }
}

/**
 * h_0 = 0 (and c_0 = 0 for an LSTM) for a batch: batch-major [batch, H] as layers take it, or
 * feature-major [H, batch] as `Cell.step` runs.
 */
export function zeroState(cell: Cell, batch: number, layout: "batch-major" | "feature-major" = "batch-major"): CellState {
  const shape: [number, number] = layout === "batch-major" ? [batch, cell.hiddenSize] : [cell.hiddenSize, batch];
  return Array.from({ length: cell.stateSize }, () => tf.zeros(shape));
}

/**
 * tf.unstack along the first axis, except that one step is a reshape: tfjs's Unpack gradient
 * stacks its output gradients and fails when there is only one (a sentence of one word, a word
 * of one character).
 */
function unstackTime(x: tf.Tensor): tf.Tensor[] {
  return x.shape[0] === 1 ? [tf.reshape(x, x.shape.slice(1))] : tf.unstack(x);
}

/**
 * Run `cell` over x [B, T, I] from `state0` (each [B, H]). With `mask` [B, T] (1 = token,
 * 0 = padding), padded positions leave the state untouched (h_t = h_{t-1}) and output zeros, so a
 * padded batch gives the same outputs and final states as each sequence run alone (as torch's
 * packed sequences).
 * With `tap` (diagnostics: diagnostics/grad-through-time.ts), the loop runs step by step even
 * where a fused kernel exists, so that autodiff sees the recurrence, and every state passes through
 * the tap, feature-major [H, B]: the initial one at t = -1, then h_t (and c_t) as each step makes it.
 * @returns outputs [B, T, H] and the final state (each [B, H]).
 */
export function runCell(cell: Cell, x: tf.Tensor3D, state0: CellState, mask?: tf.Tensor2D, tap?: StepTap): { outputs: tf.Tensor3D; state: CellState } {
  return tf.tidy(() => {
    const [B, T, I] = x.shape;
    const p = cell.prepare();
    // Hoisted input projection: X W^T + b for every time step in one matMul, then one transpose
    // to time-major, feature-major steps.
    const xp = tf.fused.matMul({ a: tf.reshape(x, [B * T, I]), b: p.w, transposeB: true, bias: p.bx }); // [B*T, G*H]
    // the whole loop in one kernel where the cell has one (wasm with the native addon, webgpu)
    const fused = tap ? undefined : cell.sequence?.(p, tf.reshape(xp, [B, T, -1]), state0, mask);
    if (fused) return mask ? { outputs: tf.mul(fused.outputs, tf.expandDims(mask, 2)) as tf.Tensor3D, state: fused.state } : fused; // padded outputs: 0
    const steps = tf.transpose(tf.reshape(xp, [B, T, -1]), [1, 2, 0]) as tf.Tensor3D; // [T, G*H, B]
    let state = state0.map((s) => tf.transpose(s)); // [H, B]
    if (tap) state = state.map((s, j) => tap(-1, STATE_NAMES[j]!, s));
    const xs = unstackTime(steps) as tf.Tensor2D[]; // T x [G*H, B], contiguous
    const ms = mask ? (unstackTime(tf.expandDims(tf.transpose(mask), 1)) as tf.Tensor2D[]) : undefined; // T x [1, B]
    const outs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const next = tf.tidy(() => {
        const s = cell.step(p, xs[t] as tf.Tensor2D, state, tap && ((name, si) => tap(t, name, si)));
        const m = ms?.[t];
        if (!m) return [...s, s[0] as tf.Tensor2D];
        // s_t = s_{t-1} + m_t (s_t' - s_{t-1}): padding keeps the previous state; output m_t h_t.
        const kept = s.map((si, k) => tf.add(state[k] as tf.Tensor2D, tf.mul(m, tf.sub(si, state[k] as tf.Tensor2D))) as tf.Tensor2D);
        return [...kept, tf.mul(m, kept[0] as tf.Tensor2D) as tf.Tensor2D];
      });
      outs.push(next.pop() as tf.Tensor2D);
      state = next;
    }
    const outputs = tf.transpose(tf.stack(outs), [2, 0, 1]) as tf.Tensor3D; // [T, H, B] -> [B, T, H]
    return { outputs, state: state.map((s) => tf.transpose(s)) }; // final state back to [B, H]
  });
}
