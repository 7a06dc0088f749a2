// Mean softmax cross-entropy over tokens: loss = 1/N sum_i (logsumexp(z_i) - z_i[y_i]),
// with the textbook gradient dloss/dz_i = (softmax(z_i) - onehot(y_i)) / N.
// Written as a custom gradient: tfjs's own (through logSumExp) runs a broadcast Equal that
// costs ~730 ms for [700, 10000] on wasm (stack notes, item 4).
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";

function check(logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): void {
  if (logits.rank !== 2) throw new ShapeError(`softmaxCrossEntropy: logits must be [N, V], got [${logits.shape.join(", ")}]; reshape [batch, time, V] to [-1, V] first.`);
  const n = logits.shape[0]!;
  if (targets.rank !== 1 || targets.shape[0] !== n) throw new ShapeError(`softmaxCrossEntropy: targets must be [${n}] to match logits [${logits.shape.join(", ")}], got [${targets.shape.join(", ")}].`);
  if (targets.dtype !== "int32") throw new ShapeError(`softmaxCrossEntropy: targets must be int32 class ids, got ${targets.dtype}; use tf.cast(targets, "int32").`);
  if (weights && (weights.rank !== 1 || weights.shape[0] !== n)) throw new ShapeError(`softmaxCrossEntropy: weights must be [${n}], got [${weights.shape.join(", ")}].`);
}

/**
 * @param logits  [N, V] float32
 * @param targets [N] int32 class ids in [0, V)
 * @param weights optional [N] float32 mask (1 = counts, 0 = padding); the mean is over
 *                max(sum of weights, 1). Treated as constants: no gradient flows to them.
 * @returns scalar mean cross-entropy; its gradient reaches `logits` only
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  check(logits, targets, weights);
  const [n, v] = logits.shape;
  return tf.tidy(() => {
    // flat index of each target logit: i * V + y_i  // [N]
    const picks = tf.add(tf.mul(tf.range(0, n, 1, "int32"), tf.scalar(v, "int32")), targets);
    // per-token factor of the mean: w_i / max(sum w, 1), or 1/N  // [N, 1]
    const scale = weights
      ? tf.reshape(tf.div(weights, tf.maximum(tf.sum(weights), 1)), [n, 1])
      : tf.fill([n, 1], 1 / n);
    const crossEntropy = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const shifted = tf.sub(z, tf.max(z, 1, true)); // [N, V], max 0 per row: exp cannot overflow
      const e = tf.exp(shifted); // [N, V]
      const sumE = tf.sum(e, 1, true); // [N, 1]
      const target = tf.gather(tf.reshape(shifted, [-1]), picks); // [N]
      const nll = tf.sub(tf.reshape(tf.log(sumE), [n]), target); // [N]
      const targetIndex = tf.stack([tf.range(0, n, 1, "int32"), targets], 1); // [N, 2]
      // the gradient runs after this op's tidy: everything it reads is saved
      save([e, sumE, scale, targetIndex]);
      return {
        value: tf.sum(tf.mul(nll, tf.reshape(scale, [n]))),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [eS, sumES, scaleS, targetIndexS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const coef = tf.mul(scaleS, dy); // [N, 1]
          const p = tf.mul(eS, tf.div(coef, sumES)); // softmax * coef  // [N, V]
          // minus onehot(y) * coef, written by a scatter (no Equal, no [N, V] one-hot pass)
          return tf.sub(p, tf.scatterND(targetIndexS, tf.reshape(coef, [n]), [n, v]));
        },
      };
    });
    return crossEntropy(logits) as tf.Scalar;
  });
}
