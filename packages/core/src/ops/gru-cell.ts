// One GRU step's pointwise maths with a hand-written gradient (kernels/gru-cell.ts): two kernels
// instead of ~20 tfjs ops per step where registered (wasm, cpu); elsewhere the same formula as
// tfjs ops. hp = U h_{t-1} + b_h; states feature-major [H, B].
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";
import { GruCell, GruCellGrad } from "../kernels/gru-cell.js";

/** The textbook formula in tfjs ops (backends without our kernels, and the tests' reference). */
export function gruCellReference(xp: tf.Tensor2D, hp: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [xr, xz, xn] = tf.split(xp, 3, 0) as tf.Tensor2D[]; // 3 x [H, B]
    const [hr, hz, hn] = tf.split(hp, 3, 0) as tf.Tensor2D[];
    const r = tf.sigmoid(tf.add(xr!, hr!)); // r_t
    const z = tf.sigmoid(tf.add(xz!, hz!)); // z_t
    const n = tf.tanh(tf.add(xn!, tf.mul(r, hn!))); // n_t
    return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D; // h_t = (1 - z) n + z h_{t-1}
  });
}

/**
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
