import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ShapeError } from "../errors.js";
import { expectNoLeak, expectSameOnCpuAndWasm, runOn, expectClose, seeded, seededInts, startCpuAndWasm } from "../kernels/testing.js";
import { softmaxCrossEntropy } from "./cross-entropy.js";

beforeAll(startCpuAndWasm);

const N = 12;
const V = 7;
const logits = () =>
  tf.tensor2d(
    seeded(N * V, 3).map((x) => 4 * x),
    [N, V],
  );
const targets = () => tf.tensor1d(seededInts(N, V, 4), "int32");
const weights = () => tf.tensor1d([1, 1, 0, 1, 0.5, 1, 1, 0, 1, 1, 1, 1]);

/** The same loss from tfjs built-ins (logSoftmax and a one-hot), the reference. */
function reference(z: tf.Tensor2D, y: tf.Tensor1D, w?: tf.Tensor1D): tf.Scalar {
  const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(z), tf.oneHot(y, V)), 1));
  if (!w) return tf.mean(nll);
  return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1));
}

describe("softmaxCrossEntropy", () => {
  it.each([false, true])("matches the built-in formula on cpu, value and gradient (weights: %s)", async (weighted) => {
    const ours = await runOn("cpu", () => {
      const g = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, targets(), weighted ? weights() : undefined))(logits());
      return [g.value, g.grad];
    });
    const ref = await runOn("cpu", () => {
      const g = tf.valueAndGrad((z: tf.Tensor) => reference(z as tf.Tensor2D, targets(), weighted ? weights() : undefined))(logits());
      return [g.value, g.grad];
    });
    expectClose(ours[0]!.values, ref[0]!.values, 1e-5);
    expectClose(ours[1]!.values, ref[1]!.values, 1e-5);
  });

  it.each([false, true])("gives the same value and gradient on wasm as on cpu (weights: %s)", async (weighted) => {
    await expectSameOnCpuAndWasm(() => {
      const g = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, targets(), weighted ? weights() : undefined))(logits());
      return [g.value, g.grad];
    });
  });

  it("scales the gradient by the upstream gradient", async () => {
    await tf.setBackend("wasm");
    const z = logits();
    const y = targets();
    const g1 = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, y))(z);
    const g3 = tf.grad((x: tf.Tensor) => tf.mul(softmaxCrossEntropy(x as tf.Tensor2D, y), 3))(z);
    expectClose(Array.from(g3.dataSync()), Array.from(tf.mul(g1, 3).dataSync()), 1e-5);
    tf.dispose([z, y, g1, g3]);
  });

  it("is stable for large logits", async () => {
    await tf.setBackend("wasm");
    const loss = softmaxCrossEntropy(
      tf.tensor2d([
        [1000, 0],
        [0, -1000],
      ]),
      tf.tensor1d([0, 0], "int32"),
    );
    expect(loss.dataSync()[0]).toBeCloseTo(0, 5);
  });

  it("leaks nothing, forward or backward", async () => {
    await tf.setBackend("wasm");
    const z = logits();
    const y = targets();
    const w = weights();
    expectNoLeak(() => softmaxCrossEntropy(z, y, w));
    expectNoLeak(() => tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, y, w))(z));
    tf.dispose([z, y, w]);
  });

  it("explains wrong shapes and dtypes", () => {
    const z = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => softmaxCrossEntropy(tf.zeros([2, 2, 3]) as unknown as tf.Tensor2D, tf.tensor1d([0, 1], "int32"))).toThrow(/reshape .* to \[-1, V\]/);
    expect(() => softmaxCrossEntropy(z, tf.tensor1d([0, 1], "int32"))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(z, tf.tensor1d([0, 1, 2, 0]))).toThrow(/int32/);
    expect(() => softmaxCrossEntropy(z, tf.tensor1d([0, 1, 2, 0], "int32"), tf.ones([3]) as tf.Tensor1D)).toThrow(/weights must be \[4\]/);
  });
});
