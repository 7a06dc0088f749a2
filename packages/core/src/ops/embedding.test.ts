import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ShapeError } from "../errors.js";
import { expectClose, expectNoLeak, expectSameOnCpuAndWasm, runOn, seeded, startCpuAndWasm } from "../kernels/testing.js";
import { embeddingLookup } from "./embedding.js";

beforeAll(startCpuAndWasm);

const V = 11;
const D = 4;
const table = () => tf.tensor2d(seeded(V * D, 5), [V, D]);
const ids = () => tf.tensor2d([3, 0, 3, 10, 7, 3], [2, 3], "int32"); // repeats must add up
const upstream = () => tf.tensor3d(seeded(2 * 3 * D, 6), [2, 3, D]);

describe("embeddingLookup", () => {
  it("gathers rows into [...ids.shape, d], the same on wasm and cpu", async () => {
    await expectSameOnCpuAndWasm(() => embeddingLookup(table(), ids()));
    const [out] = await runOn("wasm", () => embeddingLookup(table(), ids()));
    expect(out!.shape).toEqual([2, 3, D]);
  });

  it("has the dense [V, d] gradient of tf.gather (stock cpu), on wasm too", async () => {
    const loss = (lookup: (t: tf.Tensor2D, i: tf.Tensor) => tf.Tensor) => () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lookup(t as tf.Tensor2D, ids()), upstream())))(table());
    const ref = await runOn(
      "cpu",
      loss((t, i) => tf.gather(t, i)),
    );
    const cpu = await runOn("cpu", loss(embeddingLookup));
    const wasm = await runOn("wasm", loss(embeddingLookup));
    expect(wasm[0]!.shape).toEqual([V, D]);
    expectClose(cpu[0]!.values, ref[0]!.values, 1e-6);
    expectClose(wasm[0]!.values, ref[0]!.values, 1e-5);
  });

  it("trains a tf.variable table", async () => {
    await tf.setBackend("wasm");
    const e = tf.variable(table());
    const g = tf.variableGrads(() => tf.sum(embeddingLookup(e, ids())) as tf.Scalar);
    expect(g.grads[e.name]!.shape).toEqual([V, D]);
    expect(Array.from(g.grads[e.name]!.dataSync()).slice(3 * D, 3 * D + D)).toEqual([3, 3, 3, 3]); // id 3 used 3 times
    tf.dispose([e, g.value, ...Object.values(g.grads)]);
  });

  it("leaks nothing, forward or backward", async () => {
    await tf.setBackend("wasm");
    const t = table();
    const i = ids();
    expectNoLeak(() => embeddingLookup(t, i));
    expectNoLeak(() => tf.grad((x: tf.Tensor) => tf.sum(embeddingLookup(x as tf.Tensor2D, i)))(t));
    tf.dispose([t, i]);
  });

  it("explains wrong inputs", () => {
    expect(() => embeddingLookup(tf.zeros([3]) as unknown as tf.Tensor2D, tf.tensor1d([0], "int32"))).toThrow(ShapeError);
    expect(() => embeddingLookup(tf.zeros([3, 2]) as tf.Tensor2D, tf.tensor1d([0]))).toThrow(/int32/);
  });
});
