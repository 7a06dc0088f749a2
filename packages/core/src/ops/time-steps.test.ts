import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, expectSameOnCpuAndWasm, seeded, startCpuAndWasm } from "../kernels/testing.js";
import { stackTime, unstackTime } from "./time-steps.js";

beforeAll(startCpuAndWasm);

const x = () => tf.tensor3d(seeded(2 * 5 * 3, 8), [2, 5, 3]); // [batch, time, features]

describe("unstackTime / stackTime", () => {
  it("splits [B, T, H] into T steps of [B, H] and back, the same on wasm and cpu", async () => {
    await expectSameOnCpuAndWasm(() => {
      const steps = unstackTime(x());
      expect(steps).toHaveLength(5);
      expect(steps[0]!.shape).toEqual([2, 3]);
      return [...steps, stackTime(steps.map((s) => tf.tanh(s)))];
    });
  });

  it("gives the same gradients on wasm as on cpu", async () => {
    await expectSameOnCpuAndWasm(() => tf.grad((v: tf.Tensor) => {
      const steps = unstackTime(v as tf.Tensor3D);
      let h = tf.zeros([2, 3]) as tf.Tensor2D;
      for (const s of steps) h = tf.tanh(tf.add(tf.mul(h, 0.5), s)) as tf.Tensor2D; // a toy recurrence
      return tf.sum(tf.mul(stackTime([h, steps[1]!]), 2));
    })(x()));
  });

  it("leaks nothing", async () => {
    await tf.setBackend("wasm");
    const v = x();
    expectNoLeak(() => unstackTime(v));
    expectNoLeak(() => tf.tidy(() => stackTime(unstackTime(v))));
    v.dispose();
  });

  it("explains wrong shapes", () => {
    expect(() => unstackTime(tf.zeros([2, 3]) as unknown as tf.Tensor3D)).toThrow(/\[batch, time, features\]/);
    expect(() => stackTime([])).toThrow(/no time steps/);
  });
});
