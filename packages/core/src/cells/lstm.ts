// LSTM, J&M eq. 8.21-8.27, in PyTorch's formulation and gate order (i, f, g, o), so that
// weight_ih_l0 = [W_ii | W_if | W_ig | W_io] stacked along rows loads directly into nn.LSTM:
//   i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
//   f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
//   g_t = tanh (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)      candidate
//   o_t = sigma(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
//   c_t = f_t * c_{t-1} + i_t * g_t
//   h_t = o_t * tanh(c_t)
// A step's pointwise maths comes twice, side by side: the textbook reference in tfjs ops, and the
// fast path, one kernel forward and one backward (kernels/lstm-cell.ts) instead of ~30 tfjs ops
// where registered (wasm, cpu). fused.test.ts compares them, values and gradients. With the
// native addon, and on webgpu (WGSL), a whole layer runs as one kernel instead (`sequence`). States feature-major [H, B].
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";
import { LstmCell, LstmCellGrad } from "../kernels/lstm-cell.js";
import { lstmSequence, rnnSequenceAvailable } from "../ops/rnn-sequence.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import type { Cell, CellState, ComponentTap, PreparedCell } from "./cell.js";
import { lastStep, TorchCell } from "./cell.js";

/**
 * The textbook reference in tfjs ops: (h_t, c_t) from xp = W x_t + b and uh = U h_{t-1} (backends
 * without our kernel, the tests, and diagnostics: `tap` sees the gates i, f, g, o and c_t as made).
 */
export function lstmCellReference(xp: tf.Tensor2D, uh: tf.Tensor2D, c: tf.Tensor2D, tap: ComponentTap = (_, s) => s): [tf.Tensor2D, tf.Tensor2D] {
  return tf.tidy(() => {
    const [zi, zf, zg, zo] = tf.split(tf.add(xp, uh), 4, 0) as tf.Tensor2D[]; // 4 x [H, B]
    const i = tap("i", tf.sigmoid(zi!)),
      f = tap("f", tf.sigmoid(zf!)),
      g = tap("g", tf.tanh(zg!)),
      o = tap("o", tf.sigmoid(zo!)); // gates [H, B]
    const cNext = tap("c", tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D); // c_t = f*c + i*g
    const h = tf.mul(o, tf.tanh(cNext)) as tf.Tensor2D; // h_t = o * tanh(c_t)
    return [h, cNext];
  });
}

/**
 * The fast path: our fused kernel where registered, else the reference above.
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

export class LSTMCell extends TorchCell implements Cell {
  readonly kind = "lstm" as const;
  readonly stateSize = 2;

  constructor(params: Parameters, prefix: string, suffix: string, inputSize: number, hiddenSize: number, rng: Rng) {
    super(params, prefix, suffix, inputSize, hiddenSize, rng, 4);
  }

  step(p: PreparedCell, xp: tf.Tensor2D, [h, c]: CellState, tap?: ComponentTap): CellState {
    return tf.tidy(() => {
      const uh = tf.matMul(p.u, h as tf.Tensor2D) as tf.Tensor2D; // one fused matMul for all gates  [4H, B]
      if (tap) {
        // diagnostics: the reference, whose gates and c_t the tap sees before h_t = o_t tanh(c_t) reads them
        const [hNext, cNext] = lstmCellReference(xp, uh, c as tf.Tensor2D, tap);
        return [tap("h", hNext), cNext];
      }
      // the equations above: the fused kernel where registered, else the reference
      const [hNext, cNext] = lstmCell(xp, uh, c as tf.Tensor2D); // 2 x [H, B]
      return [hNext, cNext];
    });
  }

  /** The same recurrence as `step`, all steps in one kernel (wasm with the native addon, webgpu). */
  sequence(p: PreparedCell, xs: tf.Tensor3D, [h0, c0]: CellState, mask?: tf.Tensor2D): { outputs: tf.Tensor3D; state: CellState } | undefined {
    if (!rnnSequenceAvailable("lstm") || xs.shape[1] === 0) return undefined;
    return tf.tidy(() => {
      const { hs, cs } = lstmSequence(xs, p.u, h0 as tf.Tensor2D, c0 as tf.Tensor2D, mask); // [B, T, H] each
      return { outputs: hs, state: [lastStep(hs), lastStep(cs)] };
    });
  }
}
