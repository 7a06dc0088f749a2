// Moving between a sequence tensor and its time steps, the way the unrolled cells need it.
// Use these (tf.unstack / tf.stack along the time axis), not one tf.slice per step: a slice's
// gradient pads back to the full [B, T, H] and sums T of them, while unstack's gradient is a
// single stack. On wasm our Unpack kernel reads the input once (kernels/slice.ts).
import * as tf from "@tensorflow/tfjs-core";
import { ShapeError } from "../errors.js";

/** [batch, time, features] -> `time` tensors of [batch, features], in one pass. */
export function unstackTime(x: tf.Tensor3D): tf.Tensor2D[] {
  if (x.rank !== 3) throw new ShapeError(`unstackTime: expected [batch, time, features], got [${x.shape.join(", ")}].`);
  return tf.tidy(() => tf.unstack(x, 1) as tf.Tensor2D[]);
}

/** `time` tensors of [batch, features] -> [batch, time, features]. */
export function stackTime(steps: tf.Tensor2D[]): tf.Tensor3D {
  if (steps.length === 0) throw new ShapeError("stackTime: got no time steps; pass at least one [batch, features] tensor.");
  return tf.tidy(() => tf.stack(steps, 1) as tf.Tensor3D);
}
