// Inverted dropout (Srivastava et al. 2014) with masks drawn from our seeded generator, so that
// a run is reproducible and a resumed run draws the same masks: y = x * m / (1 - p), m ~ Bernoulli(1 - p).
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../random.js";

/** Returns x itself when `rng` is absent (evaluation) or p = 0. */
export function dropout<T extends tf.Tensor>(x: T, p: number, rng?: Rng): T {
  if (!rng || p <= 0) return x;
  return tf.tidy(() => {
    const keep = new Float32Array(x.size);
    const scale = 1 / (1 - p);
    for (let i = 0; i < keep.length; i++) keep[i] = rng.next() < p ? 0 : scale;
    return tf.mul(x, tf.tensor(keep, x.shape, "float32")) as T;
  });
}
