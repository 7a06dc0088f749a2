// A whole recurrent layer's time loop as one op with one gradient (kernels/rnn-sequence.ts):
//   for t = 1..T:  state_t = cell(xs_t, U h_{t-1} [+ b_h], state_{t-1})
// Batch-major like the layer around it: xs [B, T, G*H] (input projections with the biases that sit
// outside the recurrence), U [G*H, H] (weight_hh as stored), states [B, H]; hs [B, T, H] holds h_t
// for every t (the final state is its last step). With a mask [B, T] (1 token, 0 padding) the
// state carries over padding and hs holds the carried states (zero padded outputs yourself).
// Available on wasm while the native addon is active and on webgpu where its WGSL kernel is
// registered; cells/cell.ts runs its step-by-step loop everywhere else (same numbers, tested).
import * as tf from "@tensorflow/tfjs-core";
import type { Activation, CellKind } from "../cells/cell.js";
import { ElmanSequence, GruSequence, LstmSequence } from "../kernels/rnn-sequence.js";
import { activeNativeBlas } from "../kernels/native-blas.js";

const KERNELS: Record<CellKind, string> = { lstm: LstmSequence, gru: GruSequence, elman: ElmanSequence };

/** True when the fused layer of this cell can run on the current backend. */
export function rnnSequenceAvailable(cell: CellKind): boolean {
  const backend = tf.getBackend();
  if (tf.getKernel(KERNELS[cell], backend) === undefined) return false;
  return backend === "webgpu" || activeNativeBlas() !== null; // WGSL on webgpu (kernels/webgpu-rnn-sequence.ts); wasm's needs the addon
}

/** LSTM: xs [B, T, 4H] (gates i, f, g, o; both biases added) -> h_t and c_t for every t, [B, T, H] each. */
export function lstmSequence(xs: tf.Tensor3D, u: tf.Tensor2D, h0: tf.Tensor2D, c0: tf.Tensor2D, mask?: tf.Tensor2D): { hs: tf.Tensor3D; cs: tf.Tensor3D } {
  registerGradients();
  const [hs, cs, acts] = tf.engine().runKernel(LstmSequence, { xs, u, h0, c0, mask: maskOf(xs, mask) }) as tf.Tensor3D[];
  acts!.dispose(); // kept by the tape for the gradient (outputsToSave) while it is needed
  return { hs: hs!, cs: cs! };
}

/** GRU: xs [B, T, 3H] (gates r, z, n; b_i added), bh = b_h [3H] (any shape of 3H; inside the recurrence) -> h_t for every t [B, T, H]. */
export function gruSequence(xs: tf.Tensor3D, u: tf.Tensor2D, bh: tf.Tensor, h0: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor3D {
  registerGradients();
  const [hs, acts] = tf.engine().runKernel(GruSequence, { xs, u, bh, h0, mask: maskOf(xs, mask) }) as tf.Tensor3D[];
  acts!.dispose();
  return hs!;
}

/** Elman: xs [B, T, H] (both biases added) -> h_t = g(xs_t + U h_{t-1}) for every t [B, T, H]. */
export function elmanSequence(xs: tf.Tensor3D, u: tf.Tensor2D, h0: tf.Tensor2D, activation: Activation, mask?: tf.Tensor2D): tf.Tensor3D {
  registerGradients();
  const [hs, acts] = tf.engine().runKernel(ElmanSequence, { xs, u, h0, mask: maskOf(xs, mask) }, { activation } as unknown as tf.NamedAttrMap) as tf.Tensor3D[];
  acts!.dispose();
  return hs!;
}

/** The mask the kernels take, [B, T] float32 (all ones when there is none: 700 floats). */
function maskOf(xs: tf.Tensor3D, mask: tf.Tensor2D | undefined): tf.Tensor2D {
  if (!mask) return tf.ones([xs.shape[0], xs.shape[1]]);
  return mask.dtype === "float32" ? mask : tf.cast(mask, "float32");
}

// Each backward kernel yields every input's gradient in one pass. It runs in gradFunc itself, in
// the gradient's scope, not in the per-input closures: the tape wraps each closure in a tidy,
// which would dispose the others. (The engine passes zeros for outputs without a gradient.)
const gradConfigs: tf.GradConfig[] = [
  {
    kernelName: LstmSequence,
    inputsToSave: ["u", "h0", "c0", "mask"],
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved) => {
      const [dhs, dcs] = dys as tf.Tensor[];
      const [u, h0, c0, mask, hs, cs, acts] = saved;
      const [dxs, du, dh0, dc0] = tf
        .engine()
        .runKernel(`${LstmSequence}Grad`, { acts: acts!, cs: cs!, hs: hs!, u: u!, h0: h0!, c0: c0!, mask: mask!, dhs: dhs!, dcs: dcs! }) as tf.Tensor[];
      return { xs: () => dxs!, u: () => du!, h0: () => dh0!, c0: () => dc0!, mask: () => tf.zerosLike(mask!) };
    },
  },
  {
    kernelName: GruSequence,
    inputsToSave: ["u", "bh", "h0", "mask"],
    outputsToSave: [true, true],
    gradFunc: (dys, saved) => {
      const [dhs] = dys as tf.Tensor[];
      const [u, bh, h0, mask, hs, acts] = saved;
      const [dxs, du, dbh, dh0] = tf.engine().runKernel(`${GruSequence}Grad`, { acts: acts!, hs: hs!, u: u!, h0: h0!, mask: mask!, dhs: dhs! }) as tf.Tensor[];
      return { xs: () => dxs!, u: () => du!, bh: () => tf.reshape(dbh!, bh!.shape), h0: () => dh0!, mask: () => tf.zerosLike(mask!) };
    },
  },
  {
    kernelName: ElmanSequence,
    inputsToSave: ["u", "h0", "mask"],
    outputsToSave: [true, true],
    gradFunc: (dys, saved, attrs) => {
      const [dhs] = dys as tf.Tensor[];
      const [u, h0, mask, hs, acts] = saved;
      const [dxs, du, dh0] = tf
        .engine()
        .runKernel(`${ElmanSequence}Grad`, { acts: acts!, hs: hs!, u: u!, h0: h0!, mask: mask!, dhs: dhs! }, attrs as tf.NamedAttrMap) as tf.Tensor[];
      return { xs: () => dxs!, u: () => du!, h0: () => dh0!, mask: () => tf.zerosLike(mask!) };
    },
  },
];

function registerGradients(): void {
  for (const config of gradConfigs) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
