// One LSTM step's pointwise maths with a hand-written gradient (kernels/lstm-cell.ts):
//   (c', h) = LSTM(xp + uh, c),  xp = W x_t + b,  uh = U h_{t-1}
// two kernels (forward, backward) instead of ~30 tfjs ops per step where they are registered
// (wasm, cpu); elsewhere the same formula as tfjs ops. States feature-major: [H, B].
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";
import { LstmCell, LstmCellGrad } from "../kernels/lstm-cell.js";


/** The textbook formula in tfjs ops (backends without our kernels, and the tests' reference). */
export function lstmCellReference(xp: tf.Tensor2D, uh: tf.Tensor2D, c: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  return tf.tidy(() => {
    const [i, f, g, o] = tf.split(tf.add(xp, uh), 4, 0) as tf.Tensor2D[]; // 4 x [H, B]
    const cNext = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D; // c_t = f*c + i*g
    const h = tf.mul(tf.sigmoid(o!), tf.tanh(cNext)) as tf.Tensor2D; // h_t = o * tanh(c_t)
    return [h, cNext];
  });
}

/**
 * @param xp projected input with biases [4H, B] (gate order i, f, g, o)
 * @param uh recurrent projection U h_{t-1} [4H, B]
 * @param c  previous cell state [H, B]
 * @returns [h_t, c_t], each [H, B]; gradients reach xp, uh and c
 */
export function lstmCell(xp: tf.Tensor2D, uh: tf.Tensor2D, c: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  const [H, B] = c.shape;
  if (xp.shape[0] !== 4 * H || xp.shape[1] !== B || uh.shape[0] !== 4 * H || uh.shape[1] !== B) {
    throw new ShapeError(`lstmCell: expected xp and uh [${4 * H}, ${B}] for c [${H}, ${B}], got [${xp.shape.join(", ")}] and [${uh.shape.join(", ")}].`);
  }
  if (!tf.getKernel(LstmCell, tf.getBackend())) return lstmCellReference(xp, uh, c);
  if (!tf.getGradient(LstmCell)) tf.registerGradient(lstmCellGradConfig);
  const [h, cNext, acts] = tf.engine().runKernel(LstmCell, { xp, uh, c }) as tf.Tensor2D[];
  acts!.dispose(); // kept by the tape for the gradient (outputsToSave) while it is needed
  return [h!, cNext!];
}

/** The gradient of the fused kernel: one LstmCellGrad for all three inputs. */
const lstmCellGradConfig: tf.GradConfig = {
  kernelName: LstmCell,
  inputsToSave: ["c"],
  outputsToSave: [false, false, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [dh, dc] = dys as (tf.Tensor2D | null)[];
    const [c, acts] = saved as [tf.Tensor2D, tf.Tensor2D];
    // each input's gradient is computed in its own tidy by the tape, so each asks the kernel for
    // its own output (the pointwise pass is cheap next to sharing tensors across those scopes)
    const run = (output: 0 | 1): tf.Tensor2D => {
      const inputs: tf.NamedTensorMap = { acts, c, dh: dh ?? tf.zerosLike(c), ...(dc ? { dc } : {}) };
      return tf.engine().runKernel(LstmCellGrad, inputs, { output } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
    };
    return { xp: () => run(0), uh: () => run(0), c: () => run(1) };
  },
};
