// Mean softmax cross-entropy over tokens: loss = -1/N sum_i log softmax(z_i)[y_i].
// PLACEHOLDER built on tfjs built-ins; the backend work replaces it with a custom gradient
// ((softmax - onehot) / N) that avoids the slow broadcast Equal on wasm (stack notes, item 4).
import * as tf from "@tensorflow/tfjs-core";

/**
 * @param logits  [N, V] float32
 * @param targets [N] int32 class ids
 * @param weights optional [N] float32 mask (1 = counts, 0 = padding); the mean is over the weight sum
 * @returns scalar mean cross-entropy
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits); // [N, V]
    const onehot = tf.oneHot(targets, logits.shape[1]); // [N, V]
    const nll = tf.neg(tf.sum(tf.mul(logp, onehot), 1)); // [N]
    if (!weights) return tf.mean(nll) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}
