// Threaded wasm (worker_threads). Threads are fixed per process: this file starts its own.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, type BackendInfo } from "../backend.js";
import { expectSameOnCpuAndWasm, seeded } from "./testing.js";

let info: BackendInfo;
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
  info = await initBackend({ backend: "wasm", threads: 2 });
});

describe("wasm with 2 threads", () => {
  it("runs XNNPACK on 2 threads", () => {
    expect(info).toMatchObject({ name: "wasm", threads: 2, simd: true });
    expect(info.device).toMatch(/2 threads/);
  });

  it("computes what cpu computes, our kernels included", async () => {
    await expectSameOnCpuAndWasm(() => {
      const a = tf.tensor2d(seeded(300 * 200, 1), [300, 200]);
      const b = tf.tensor2d(seeded(200 * 250, 2), [200, 250]);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
      return [tf.matMul(a, b), tf.softmax(tf.matMul(a, b)), ga!, gb!, ...tf.split(a, 4, 1)];
    }, 1e-3);
  });

  it("refuses to change the thread count in the same process", async () => {
    await expect(initBackend({ backend: "wasm", threads: 1 })).rejects.toThrow(/already runs with 2 thread\(s\).*restart the process/);
    await expect(initBackend({ backend: "wasm", threads: 2 })).resolves.toMatchObject({ threads: 2 });
  });
});
