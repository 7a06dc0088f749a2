// Embedding lookup e_t = E x_t (x_t one-hot), done as a row gather.
// PLACEHOLDER on tf.gather; the backend work gives it a gradient that does not need
// UnsortedSegmentSum (missing on wasm, stack notes item 1).
import * as tf from "@tensorflow/tfjs-core";

/** @param table [V, d]  @param ids int32 of any shape S  @returns [...S, d] */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.gather(table, ids));
}
