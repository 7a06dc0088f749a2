// GRU (Cho et al. 2014) in PyTorch's formulation and gate order (r, z, n):
//   r_t = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
//   z_t = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
//   n_t = tanh (W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))  candidate (b_hn inside r_t * ...)
//   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
// A step's pointwise maths comes twice, side by side: the textbook reference in tfjs ops, and the
// fast path, one kernel forward and one backward (kernels/gru-cell.ts) instead of ~20 tfjs ops
// where registered (wasm, cpu). fused.test.ts compares them, values and gradients. With the
// native addon, and on webgpu (WGSL), a whole layer runs as one kernel instead (`sequence`). hp = U h_{t-1} + b_h;
// states feature-major [H, B].
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";
import { GruCell, GruCellGrad } from "../kernels/gru-cell.js";
import { gruSequence, rnnSequenceAvailable } from "../ops/rnn-sequence.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { Cell, CellState, ComponentTap, PreparedCell } from "./cell.js";
import { lastStep, TorchCell } from "./cell.js";

/**
 * The textbook reference in tfjs ops: h_t from xp = W x_t + b_i, hp = U h_{t-1} + b_h and h_{t-1}
 * (backends without our kernel, the tests, and diagnostics: `tap` sees the gates r, z, n as made).
 */
export function gruCellReference(xp: tf.Tensor2D, hp: tf.Tensor2D, h: tf.Tensor2D, tap: ComponentTap = (_, s) => s): tf.Tensor2D {
  return tf.tidy(() => {
    const [xr, xz, xn] = tf.split(xp, 3, 0) as tf.Tensor2D[]; // 3 x [H, B]
    const [hr, hz, hn] = tf.split(hp, 3, 0) as tf.Tensor2D[];
    const r = tap("r", tf.sigmoid(tf.add(xr!, hr!)) as tf.Tensor2D); // r_t
    const z = tap("z", tf.sigmoid(tf.add(xz!, hz!)) as tf.Tensor2D); // z_t
    const n = tap("n", tf.tanh(tf.add(xn!, tf.mul(r, hn!))) as tf.Tensor2D); // n_t
    return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D; // h_t = (1 - z) n + z h_{t-1}
  });
}

/**
 * The fast path: our fused kernel where registered, else the reference above.
 * @param xp projected input with b_i [3H, B] (gate order r, z, n)
 * @param hp U h_{t-1} + b_h [3H, B]
 * @param h  previous state [H, B]
 * @returns h_t [H, B]; gradients reach xp, hp and h
 */
export function gruCell(xp: tf.Tensor2D, hp: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  const [H, B] = h.shape;
  if (xp.shape[0] !== 3 * H || xp.shape[1] !== B || hp.shape[0] !== 3 * H || hp.shape[1] !== B) {
    throw new ShapeError(`gruCell: expected xp and hp [${3 * H}, ${B}] for h [${H}, ${B}], got [${xp.shape.join(", ")}] and [${hp.shape.join(", ")}].`);
  }
  if (!tf.getKernel(GruCell, tf.getBackend())) return gruCellReference(xp, hp, h);
  if (!tf.getGradient(GruCell)) tf.registerGradient(gruCellGradConfig);
  const [hNext, acts] = tf.engine().runKernel(GruCell, { xp, hp, h }) as tf.Tensor2D[];
  acts!.dispose(); // kept by the tape for the gradient (outputsToSave) while it is needed
  return hNext!;
}

const gruCellGradConfig: tf.GradConfig = {
  kernelName: GruCell,
  inputsToSave: ["h"],
  outputsToSave: [false, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [dh] = dys as (tf.Tensor2D | null)[];
    const [h, acts] = saved as [tf.Tensor2D, tf.Tensor2D];
    // one kernel call per input (each runs in its own tidy of the tape)
    const run = (output: 0 | 1 | 2): tf.Tensor2D =>
      tf.engine().runKernel(GruCellGrad, { acts, h, dh: dh ?? tf.zerosLike(h) }, { output } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
    return { xp: () => run(0), hp: () => run(1), h: () => run(2) };
  },
};

export class GRUCell extends TorchCell implements Cell {
  readonly kind = "gru" as const;
  readonly stateSize = 1;

  constructor(params: Parameters, prefix: string, suffix: string, inputSize: number, hiddenSize: number, rng: Rng) {
    super(params, prefix, suffix, inputSize, hiddenSize, rng, 3);
  }

  override prepare(): PreparedCell {
    const p = this.params;
    return {
      w: tf.clone(p.get<tf.Rank.R2>(this.names.wih)), // [3H, I] as stored (callers may dispose)
      u: tf.clone(p.get<tf.Rank.R2>(this.names.whh)), // [3H, H] as stored
      bx: tf.clone(p.get<tf.Rank.R1>(this.names.bih)), // b_i* join the hoisted projection (clone: callers may dispose)
      bh: tf.reshape(p.get<tf.Rank.R1>(this.names.bhh), [-1, 1]), // [3H, 1] b_h* stay in the step: b_hn is scaled by r_t
    };
  }

  step(p: PreparedCell, xp: tf.Tensor2D, [h]: CellState, tap?: ComponentTap): CellState {
    return tf.tidy(() => {
      const hPrev = h as tf.Tensor2D;
      const hp = tf.add(tf.matMul(p.u, hPrev), p.bh as tf.Tensor2D) as tf.Tensor2D; // one fused matMul  [3H, B]
      // the equations above: the fused kernel where registered, else the reference
      // with a tap (diagnostics), the reference, whose gates the tap sees
      const hNext = tap ? gruCellReference(xp, hp, hPrev, tap) : gruCell(xp, hp, hPrev); // h_t = (1 - z) n + z h_{t-1}  [H, B]
      return [tap ? tap("h", hNext) : hNext];
    });
  }

  /** The same recurrence as `step`, all steps in one kernel (wasm with the native addon, webgpu). */
  sequence(p: PreparedCell, xs: tf.Tensor3D, [h0]: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } | undefined {
    if (!rnnSequenceAvailable("gru") || xs.shape[1] === 0) return undefined;
    return tf.tidy(() => {
      const hs = gruSequence(xs, p.u, p.bh!, h0 as tf.Tensor2D, mask); // [B, T, H]
      return { outputs: hs, state: [lastStep(hs)] };
    });
  }
}
