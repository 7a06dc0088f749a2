// Mean softmax cross-entropy over tokens: loss = 1/N sum_i (logsumexp(z_i) - z_i[y_i]),
// with the textbook gradient dloss/dz_i = (softmax(z_i) - onehot(y_i)) / N.
// Written as a custom gradient: tfjs's own (through logSumExp) runs a broadcast Equal that
// costs ~730 ms for [700, 10000] on wasm (measured by scripts/bench-ops.ts, section 4). The softmax computed forward
// is kept for the backward pass (28 MB at [700, 10000]).
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";
import { SoftmaxCrossEntropy, SoftmaxCrossEntropyGrad } from "../kernels/index.js";

function check(logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): void {
  if (logits.rank !== 2)
    throw new ShapeError(`softmaxCrossEntropy: logits must be [N, V], got [${logits.shape.join(", ")}]; reshape [batch, time, V] to [-1, V] first.`);
  const n = logits.shape[0]!;
  if (targets.rank !== 1 || targets.shape[0] !== n)
    throw new ShapeError(`softmaxCrossEntropy: targets must be [${n}] to match logits [${logits.shape.join(", ")}], got [${targets.shape.join(", ")}].`);
  if (targets.dtype !== "int32")
    throw new ShapeError(`softmaxCrossEntropy: targets must be int32 class ids, got ${targets.dtype}; use tf.cast(targets, "int32").`);
  if (weights && (weights.rank !== 1 || weights.shape[0] !== n))
    throw new ShapeError(`softmaxCrossEntropy: weights must be [${n}], got [${weights.shape.join(", ")}].`);
}

/** p = softmax(z) and nll_i = logsumexp(z_i) - z_i[y_i]: one kernel where registered (wasm). */
function forward(z: tf.Tensor2D, targets: tf.Tensor1D, picks: tf.Tensor1D): [tf.Tensor2D, tf.Tensor1D] {
  if (tf.getKernel(SoftmaxCrossEntropy, tf.getBackend())) {
    return tf.engine().runKernel(SoftmaxCrossEntropy, { logits: z, targets }) as [tf.Tensor2D, tf.Tensor1D];
  }
  // softmax, not exp: wasm's Softmax (XNNPACK) is ~8x faster than its Exp on [700, 10000]
  const p = tf.softmax(z); // [N, V]
  // logsumexp_i = z_ik - log p_ik for any k; at k = argmax, p_ik >= 1/V cannot underflow
  const lse = tf.sub(tf.max(z, 1), tf.log(tf.max(p, 1))); // [N]
  return [p, tf.sub(lse, tf.gather(tf.reshape(z, [-1]), picks))]; // [N]
}

/**
 * Per-token cross-entropy nll_i = logsumexp(z_i) - z_i[y_i], for evaluation (no gradient of its
 * own): what the loss by position (diagnostics) averages per position.
 * @returns [N]
 */
export function tokenCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  check(logits, targets);
  const [n, v] = logits.shape;
  return tf.tidy(() => {
    const picks = tf.add(tf.mul(tf.range(0, n, 1, "int32"), tf.scalar(v, "int32")), targets) as tf.Tensor1D; // i * V + y_i  [N]
    return forward(logits, targets, picks)[1];
  });
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
    const scale = weights ? tf.reshape(tf.div(weights, tf.maximum(tf.sum(weights), 1)), [n, 1]) : tf.fill([n, 1], 1 / n);
    const crossEntropy = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      const [p, nll] = forward(z, targets, picks as tf.Tensor1D); // [N, V], [N]
      // the gradient runs after this op's tidy: everything it reads is saved
      save([p, scale, targets]);
      return {
        value: tf.sum(tf.mul(nll, tf.reshape(scale, [n]))),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [pS, scaleS, targetsS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const coef = tf.mul(scaleS, dy); // [N, 1]
          // (softmax - onehot(y)) * coef: one pass where our kernel is registered (wasm, cpu)
          if (tf.getKernel(SoftmaxCrossEntropyGrad, tf.getBackend())) {
            return tf.engine().runKernel(SoftmaxCrossEntropyGrad, { probs: pS, coef, targets: targetsS }) as tf.Tensor2D;
          }
          // elsewhere: the one-hot part written by a scatter (no broadcast Equal)
          const targetIndex = tf.stack([tf.range(0, n, 1, "int32"), targetsS], 1); // [N, 2]
          return tf.sub(tf.mul(pS, coef), tf.scatterND(targetIndex, tf.reshape(coef, [n]), [n, v]));
        },
      };
    });
    return crossEntropy(logits) as tf.Scalar;
  });
}
