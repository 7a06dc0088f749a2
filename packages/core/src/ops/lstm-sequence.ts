// A whole LSTM layer's recurrence as one op with one gradient (kernels/lstm-sequence.ts):
//   for t = 1..T:  (h_t, c_t) = LSTM(xs_t + U h_{t-1}, c_{t-1})
// Feature-major as in cells/: xs [T, 4H, B] (input projections with both biases, gate order
// i, f, g, o), U [4H, H] (weight_hh as stored), states [H, B]. Available on wasm while the native
// addon is active; cells/cell.ts runs the step-by-step loop everywhere else (same numbers).
import * as tf from "@tensorflow/tfjs-core";
import { LstmSequence, LstmSequenceGrad } from "../kernels/lstm-sequence.js";
import { activeNativeBlas } from "../kernels/native-blas.js";

/** True when lstmSequence can run on the current backend. */
export function lstmSequenceAvailable(): boolean {
  return activeNativeBlas() !== null && tf.getKernel(LstmSequence, tf.getBackend()) !== undefined;
}

/**
 * @returns hs and cs [T, H, B]: h_t and c_t for every step (the final state is their last row);
 *          gradients reach xs, u, h0 and c0
 */
export function lstmSequence(xs: tf.Tensor3D, u: tf.Tensor2D, h0: tf.Tensor2D, c0: tf.Tensor2D): { hs: tf.Tensor3D; cs: tf.Tensor3D } {
  if (!tf.getGradient(LstmSequence)) tf.registerGradient(gradConfig);
  const [hs, cs, acts] = tf.engine().runKernel(LstmSequence, { xs, u, h0, c0 }) as tf.Tensor3D[];
  acts!.dispose(); // kept by the tape for the gradient (outputsToSave) while it is needed
  return { hs: hs!, cs: cs! };
}

const gradConfig: tf.GradConfig = {
  kernelName: LstmSequence,
  inputsToSave: ["u", "h0", "c0"],
  outputsToSave: [true, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
    const [dhs, dcs] = dys as tf.Tensor3D[]; // the engine passes zeros for outputs without a gradient
    const [u, h0, c0, hs, cs, acts] = saved as tf.Tensor[];
    // One backward pass yields all four gradients. It runs here, in the gradient's own scope,
    // not in the per-input closures: the tape wraps each closure in a tidy, which would dispose
    // the other three.
    const [dxs, du, dh0, dc0] = tf.engine().runKernel(LstmSequenceGrad, { acts: acts!, cs: cs!, hs: hs!, u: u!, h0: h0!, c0: c0!, dhs: dhs!, dcs: dcs! }) as tf.Tensor[];
    return { xs: () => dxs!, u: () => du!, h0: () => dh0!, c0: () => dc0! };
  },
};
