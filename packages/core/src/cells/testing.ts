// Test helpers shared by the colocated *.test.ts files (not exported from the package).
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import { Rng } from "../random.js";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/** tf.memory().numTensors is the same after a second call as after the first (house style rule 5). */
export async function expectNoLeak(fn: () => unknown): Promise<void> {
  tf.dispose((await fn()) as tf.TensorContainer);
  const after1 = tf.memory().numTensors;
  tf.dispose((await fn()) as tf.TensorContainer);
  expect(tf.memory().numTensors).toBe(after1);
}

/** A fixed random tensor from our seeded generator. */
export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(seed).uniformArray(n, -scale, scale), shape);
}

/**
 * Gradients of `loss` w.r.t. `vars` against central finite differences on up to `perVar` entries
 * of each variable. float32 forces eps ~ 1e-2; we compare the whole vector of checked entries
 * with a relative error ||g - g_fd|| / ||g_fd|| so single tiny entries cannot make it flaky.
 */
export function checkGradients(loss: () => tf.Scalar, vars: tf.Variable[], { perVar = 6, eps = 1e-2, tol = 2e-2 } = {}): void {
  const { grads } = tf.variableGrads(loss, vars);
  const rng = new Rng(123);
  const analytic: number[] = [];
  const numeric: number[] = [];
  for (const v of vars) {
    const g = grads[v.name] as tf.Tensor;
    const gv = g.dataSync();
    const base = v.dataSync().slice() as Float32Array;
    for (let k = 0; k < Math.min(perVar, v.size); k++) {
      const i = rng.int(v.size);
      const at = (delta: number) => {
        const x = base.slice();
        x[i] = (x[i] as number) + delta;
        tf.tidy(() => v.assign(tf.tensor(x, v.shape)));
        return tf.tidy(() => loss().dataSync()[0] as number);
      };
      numeric.push((at(eps) - at(-eps)) / (2 * eps));
      analytic.push(gv[i] as number);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
    }
  }
  tf.dispose(grads);
  const diff = Math.hypot(...analytic.map((a, i) => a - (numeric[i] as number)));
  const norm = Math.hypot(...numeric);
  expect(norm).toBeGreaterThan(1e-4);
  expect(diff / norm).toBeLessThan(tol);
}
