// Embedding lookup e_t = E x_t (x_t one-hot), done as a row gather.
// Its gradient is the dense [V, d] matrix dE[v] = sum of dy over the positions where ids == v,
// computed by one UnsortedSegmentSum (registered for wasm and cpu in kernels/segment-sum.ts).
// tf.gather's own gradient gets there through extra reshapes/transposes.
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";

/** @param table [V, d]  @param ids int32 of any shape S  @returns [...S, d] */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  if (table.rank !== 2) throw new ShapeError(`embeddingLookup: table must be [V, d], got [${table.shape.join(", ")}].`);
  if (ids.dtype !== "int32") throw new ShapeError(`embeddingLookup: ids must be int32, got ${ids.dtype}; use tf.cast(ids, "int32").`);
  const [v, d] = table.shape;
  return tf.tidy(() => {
    const flatIds = tf.reshape(ids, [-1]); // [n]
    const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [t, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      save([flatIds]);
      return {
        value: tf.reshape(tf.gather(t, flatIds), [...ids.shape, d]), // [...S, d]
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.unsortedSegmentSum(tf.reshape(dy, [-1, d]), saved[0] as tf.Tensor1D, v), // [V, d]
      };
    });
    return lookup(table);
  });
}
