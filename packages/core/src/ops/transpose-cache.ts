// A cached transpose for tied-weight generation (Press & Wolf 2017; Inan et al. 2016):
// logits = h E^T. Sampling one token at a time with tf.matMul(h, E, false, true) transposes
// E [10000, 200] on every token; keep E^T instead and multiply by it.
// For inference only: the cached tensor is not on the gradient tape. When training, write
// tf.matMul(h, E, false, true) (the wasm kernel transposes once per call, see kernels/matmul.ts).
import * as tf from "@tensorflow/tfjs-core";

export class TransposeCache {
  private source: object | undefined;
  private value: tf.Tensor2D | undefined;

  /** W^T, recomputed only when W's data changed (assigning a tf.Variable gives it new data). */
  get(w: tf.Tensor2D): tf.Tensor2D {
    if (this.value && !this.value.isDisposed && this.source === w.dataId) return this.value;
    this.dispose();
    this.value = tf.keep(tf.transpose(w)); // kept: may be called inside someone's tidy
    this.source = w.dataId;
    return this.value;
  }

  dispose(): void {
    this.value?.dispose();
    this.value = undefined;
    this.source = undefined;
  }
}
