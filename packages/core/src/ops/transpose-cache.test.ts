import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose, seeded, startCpuAndWasm } from "../kernels/testing.js";
import { TransposeCache } from "./transpose-cache.js";

beforeAll(startCpuAndWasm);

describe("TransposeCache", () => {
  it("returns the same E^T until E's data changes, survives tidy, and frees on dispose", async () => {
    await tf.setBackend("wasm");
    const e = tf.variable(tf.tensor2d(seeded(12, 2), [4, 3]));
    const cache = new TransposeCache();
    const before = tf.memory().numTensors;
    const first = tf.tidy(() => cache.get(e));
    expect(first.isDisposed).toBe(false); // kept, although made inside a tidy
    expect(cache.get(e)).toBe(first);
    expect(tf.memory().numTensors).toBe(before + 1);
    expectClose(Array.from(first.dataSync()), tf.tidy(() => Array.from(tf.transpose(e).dataSync())));

    tf.tidy(() => e.assign(tf.mul(e, 2))); // what an optimizer step does
    const second = cache.get(e);
    expect(second).not.toBe(first);
    expect(first.isDisposed).toBe(true);
    expectClose(Array.from(second.dataSync()), tf.tidy(() => Array.from(tf.transpose(e).dataSync())));
    expect(tf.memory().numTensors).toBe(before + 1);

    cache.dispose();
    expect(second.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    e.dispose();
  });

  it("gives the tied logits h E^T without a transposed matMul", async () => {
    await tf.setBackend("wasm");
    const e = tf.tensor2d(seeded(40, 3), [10, 4]);
    const h = tf.tensor2d(seeded(8, 4), [2, 4]);
    const cache = new TransposeCache();
    expectClose(Array.from(tf.matMul(h, cache.get(e)).dataSync()), Array.from(tf.matMul(h, e, false, true).dataSync()), 1e-5);
    cache.dispose();
    tf.dispose([e, h]);
  });
});
