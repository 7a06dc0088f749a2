// Every kernel we register for wasm against the stock cpu backend: values, gradients, leaks.
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerFastKernels, setNativeBlas, SoftmaxCrossEntropyGrad, unregisterFastKernels } from "./index.js";
import { isOverridden } from "./registry.js";
import { expectClose, expectNoLeak, expectSameOnCpuAndWasm, KERNEL_PATHS, runOn, seeded, seededInts, startCpuAndWasm } from "./testing.js";

beforeAll(startCpuAndWasm);

const t = (shape: number[], seed: number) =>
  tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

describe("wasm kernel registrations", () => {
  it("replaces the stock kernels for wasm and leaves the other backends alone", () => {
    for (const name of ["BatchMatMul", "_FusedMatMul", "Slice", "SplitV", "Unpack", "UnsortedSegmentSum", SoftmaxCrossEntropyGrad]) {
      expect(isOverridden(name, "wasm"), name).toBe(true);
    }
    expect(isOverridden("Slice", "cpu")).toBe(false);
  });

  it("can be removed and installed again", () => {
    unregisterFastKernels("wasm");
    expect(isOverridden("BatchMatMul", "wasm")).toBe(false);
    expect(tf.getKernel("BatchMatMul", "wasm")).toBeDefined(); // the stock one is back
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeUndefined(); // wasm has none
    registerFastKernels("wasm");
    registerFastKernels("wasm"); // idempotent
    expect(isOverridden("BatchMatMul", "wasm")).toBe(true);
  });
});

// Both matMul paths: OpenBLAS on the wasm heap (when @unroll/native-blas is built here) and the
// wasm one (explicit transposes around the stock kernel).
for (const { path, skip, note } of KERNEL_PATHS)
  describe.skipIf(skip)(`BatchMatMul / _FusedMatMul (${path} path)${note}`, () => {
    beforeAll(() => void setNativeBlas({ enabled: path === "openblas" }));
    afterAll(() => void setNativeBlas({ enabled: true }));
    const cases: [boolean, boolean][] = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ];
    // (rows, inner, cols) of the product: wide enough for our explicit transposes, and thin
    // enough (< MIN_OUTPUT_EXTENT_TO_TRANSPOSE) for the stock transposed path
    const sizes: [number, number, number][] = [
      [9, 5, 10],
      [1, 6, 12],
      [11, 4, 2],
    ];
    const combos = cases.flatMap(([ta, tb]) => sizes.map(([m, k, n]) => [ta, tb, m, k, n] as const));

    it.each(combos)("matMul transposeA=%s transposeB=%s, %i x %i x %i, 2-D and batched 3-D", async (ta, tb, m, k, n) => {
      await expectSameOnCpuAndWasm(() => {
        const a = t(ta ? [k, m] : [m, k], 1);
        const b = t(tb ? [n, k] : [k, n], 2);
        const a3 = t(ta ? [4, k, m] : [4, m, k], 3);
        const b3 = t(tb ? [1, n, k] : [1, k, n], 4); // batch 1 broadcasts against 4
        return [tf.matMul(a, b, ta, tb), tf.matMul(a3, b3, ta, tb)];
      });
    });

    it.each(combos)("fused matMul with bias and relu, transposeA=%s transposeB=%s, %i x %i x %i", async (ta, tb, m, k, n) => {
      await expectSameOnCpuAndWasm(() => {
        const a = t(ta ? [k, m] : [m, k], 5);
        const b = t(tb ? [n, k] : [k, n], 6);
        return tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: t([n], 7), activation: "relu" });
      });
    });

    it.each(combos)("gradients of matMul and fused matMul, transposeA=%s transposeB=%s, %i x %i x %i", async (ta, tb, m, k, n) => {
      await expectSameOnCpuAndWasm(() => {
        const a = t(ta ? [k, m] : [m, k], 8);
        const b = t(tb ? [n, k] : [k, n], 9);
        const r = t([m, n], 10);
        const plain = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, ta, tb), r)))([a, b]);
        const fused = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.matMul({ a: x, b: y, transposeA: ta, transposeB: tb, bias: tf.onesLike(r), activation: "sigmoid" }), r)),
        )([a, b]);
        return [...plain, ...fused];
      });
    });

    // BLAS takes the transposes as flags: this holds for the wasm path only
    it.skipIf(path !== "wasm")(
      `is what matMul's gradient runs on wasm: transposed products go through an explicit Transpose${path === "wasm" ? "" : " (skipped: the openblas path takes the flags)"}`,
      async () => {
        await tf.setBackend("wasm");
        const ours = tf.getKernel("BatchMatMul", "wasm");
        const transpose = tf.getKernel("Transpose", "wasm");
        const flags: string[] = [];
        let transposes = 0;
        tf.unregisterKernel("BatchMatMul", "wasm");
        tf.unregisterKernel("Transpose", "wasm");
        tf.registerKernel({
          ...ours,
          kernelFunc: (args) => (flags.push(`${String(args.attrs?.["transposeA"])},${String(args.attrs?.["transposeB"])}`), ours.kernelFunc(args)),
        });
        tf.registerKernel({ ...transpose, kernelFunc: (args) => (transposes++, transpose.kernelFunc(args)) });
        try {
          tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([t([9, 3], 1), t([3, 10], 2)]));
        } finally {
          tf.unregisterKernel("BatchMatMul", "wasm");
          tf.unregisterKernel("Transpose", "wasm");
          tf.registerKernel(ours);
          tf.registerKernel(transpose);
        }
        expect(flags).toEqual(["false,false", "false,true", "true,false"]); // forward, dA = dy b^T, dB = a^T dy
        expect(transposes).toBe(2); // b for dA, a for dB
      },
    );

    it("leaks nothing", async () => {
      await tf.setBackend("wasm");
      const a = t([6, 4], 1);
      const b = t([5, 6], 2);
      expectNoLeak(() => tf.matMul(a, b, true, true));
      expectNoLeak(() => tf.fused.matMul({ a, b, transposeA: true, transposeB: true, activation: "relu" }));
      tf.dispose([a, b]);
    });
  });

describe("Slice / SplitV / Unpack", () => {
  it("slices boxes of every rank up to 5, contiguous or not", async () => {
    await expectSameOnCpuAndWasm(() => [
      tf.slice(t([9], 1), [2], [5]),
      tf.slice(t([6, 7], 2), [1, 2], [4, 3]),
      tf.slice(t([6, 7], 2), [2, 0], [3, 7]), // contiguous rows
      tf.slice(t([4, 5, 6], 3), [1, 0, 2], [2, -1, 3]),
      tf.slice(t([4, 5, 6], 3), [0, 2, 0], [4, 1, 6]),
      tf.slice(t([3, 4, 5, 6], 4), [1, 1, 1, 1], [2, 2, 2, 2]),
      tf.slice(t([2, 3, 4, 5, 6], 5), [1, 0, 1, 0, 3], [1, 3, 2, 5, 2]),
      tf.slice(t([4, 5], 6), [1, 1], [0, 2]), // empty
      tf.cast(tf.slice(tf.tensor2d(seededInts(20, 9, 7), [4, 5], "int32"), [1, 1], [2, 3]), "float32"),
      tf.cast(tf.slice(tf.tensor1d([true, false, true, true], "bool"), [1], [2]), "float32"),
    ]);
  });

  it("still slices string tensors (stock path)", async () => {
    await tf.setBackend("wasm");
    expect(tf.slice(tf.tensor1d(["a", "b", "c"]), [1], [2]).arraySync()).toEqual(["b", "c"]);
  });

  it("splits along each axis, by count and by sizes", async () => {
    await expectSameOnCpuAndWasm(() => [
      ...tf.split(t([6, 8], 1), 4, 1),
      ...tf.split(t([6, 8], 2), [1, -1, 2], 0),
      ...tf.split(t([3, 4, 6], 3), [2, 1, 3], 2),
      ...tf.split(t([3, 4, 6], 4), 2, 1),
    ]);
  });

  it("unstacks along each axis", async () => {
    await expectSameOnCpuAndWasm(() => [
      ...tf.unstack(t([3, 4, 5], 1), 0),
      ...tf.unstack(t([3, 4, 5], 2), 1),
      ...tf.unstack(t([3, 4, 5], 3), 2),
      ...tf.unstack(t([3, 4, 5], 3), -1),
    ]);
  });

  it("gives the same gradients as cpu", async () => {
    await expectSameOnCpuAndWasm(() => {
      const x = t([3, 4, 6], 9);
      const r = t([3, 4, 6], 10);
      const f = (v: tf.Tensor) => {
        const parts = tf.split(v, [2, 4], 2);
        const steps = tf.unstack(v, 1);
        const box = tf.slice(v, [1, 1, 1], [2, 2, 4]);
        return tf.addN([
          tf.sum(tf.mul(parts[0]!, tf.slice(r, [0, 0, 0], [3, 4, 2]))),
          tf.sum(tf.mul(parts[1]!, 2)),
          tf.sum(tf.mul(steps[2]!, steps[3]!)),
          tf.sum(tf.square(box)),
        ]);
      };
      return tf.grad(f)(x);
    });
  });

  it("leaks nothing", async () => {
    await tf.setBackend("wasm");
    const x = t([3, 4, 6], 1);
    expectNoLeak(() => tf.slice(x, [1, 1, 1], [2, 2, 2]));
    expectNoLeak(() => tf.split(x, 3, 2));
    expectNoLeak(() => tf.unstack(x, 1));
    x.dispose();
  });
});

describe("UnsortedSegmentSum", () => {
  it("sums rows into segments, dropping ids out of range, for float32 and int32", async () => {
    const ids = [0, 3, 3, -1, 1, 7, 0];
    await expectSameOnCpuAndWasm(() => [
      tf.unsortedSegmentSum(t([7, 5], 1), tf.tensor1d(ids, "int32"), 4),
      tf.cast(tf.unsortedSegmentSum(tf.tensor2d(seededInts(14, 50, 2), [7, 2], "int32"), tf.tensor1d(ids, "int32"), 5), "float32"),
      // 2-D ids; the stock cpu kernel only handles 1-D ids, so it gets the flattened problem
      tf.getBackend() === "cpu"
        ? tf.unsortedSegmentSum(tf.reshape(t([2, 3, 4], 3), [6, 4]), tf.tensor1d([1, 0, 1, 2, 2, 0], "int32"), 3)
        : tf.unsortedSegmentSum(t([2, 3, 4], 3), tf.tensor2d([1, 0, 1, 2, 2, 0], [2, 3], "int32") as unknown as tf.Tensor1D, 3),
    ]);
  });

  it("makes tf.gather differentiable on wasm, matching cpu", async () => {
    await expectSameOnCpuAndWasm(() => {
      const ids = tf.tensor2d([1, 4, 4, 0, 9, 1], [2, 3], "int32");
      return tf.grad((table: tf.Tensor) => tf.sum(tf.mul(tf.gather(table, ids), t([2, 3, 6], 4))))(t([10, 6], 5));
    });
  });

  it("matches the stock cpu kernel when registered for cpu too", async () => {
    const f = () => tf.unsortedSegmentSum(t([20, 3], 1), tf.tensor1d(seededInts(20, 6, 3), "int32"), 6);
    const stock = await runOn("cpu", f);
    registerFastKernels("cpu");
    try {
      expect(isOverridden("UnsortedSegmentSum", "cpu")).toBe(true);
      const ours = await runOn("cpu", f);
      expectClose(ours[0]!.values, stock[0]!.values);
    } finally {
      unregisterFastKernels("cpu");
    }
  });

  it("leaks nothing", async () => {
    await tf.setBackend("wasm");
    const x = t([7, 5], 1);
    const ids = tf.tensor1d([0, 3, 3, 1, 1, 2, 0], "int32");
    expectNoLeak(() => tf.unsortedSegmentSum(x, ids, 4));
    tf.dispose([x, ids]);
  });
});

describe("SoftmaxCrossEntropyGrad", () => {
  const n = 5;
  const v = 6;
  const inputs = () => ({
    probs: tf.softmax(t([n, v], 1)),
    coef: tf.tensor1d([0.2, 0.2, 0, 0.4, 0.2]),
    targets: tf.tensor1d([0, 5, 2, 2, 3], "int32"),
  });
  /** (p - onehot(y)) * c from plain ops: the reference. */
  const reference = () => {
    const { probs, coef, targets } = inputs();
    return tf.mul(tf.sub(probs, tf.oneHot(targets, v)), tf.reshape(coef, [n, 1]));
  };
  const ours = () => tf.engine().runKernel(SoftmaxCrossEntropyGrad, inputs()) as tf.Tensor;

  it("computes (p - onehot(y)) * c on wasm and on cpu", async () => {
    const ref = await runOn("cpu", reference);
    const wasm = await runOn("wasm", ours);
    registerFastKernels("cpu");
    try {
      const cpu = await runOn("cpu", ours);
      expectClose(cpu[0]!.values, ref[0]!.values, 1e-6);
    } finally {
      unregisterFastKernels("cpu");
    }
    expect(wasm[0]!.shape).toEqual([n, v]);
    expectClose(wasm[0]!.values, ref[0]!.values, 1e-6);
  });

  it("rejects mismatched inputs, and leaks nothing", async () => {
    await tf.setBackend("wasm");
    expect(() => tf.engine().runKernel(SoftmaxCrossEntropyGrad, { ...inputs(), targets: tf.tensor1d([0, 1], "int32") })).toThrow(/expected probs/);
    const x = inputs();
    expectNoLeak(() => tf.engine().runKernel(SoftmaxCrossEntropyGrad, x) as tf.Tensor);
    tf.dispose(Object.values(x));
  });
});
