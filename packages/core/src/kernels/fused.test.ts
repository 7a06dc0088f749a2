// The kernels that replace whole groups of ops (Identity sharing, leading-axis Sum, the LSTM
// cell, softmax cross-entropy), on wasm through both paths (OpenBLAS addon when built here, and
// plain wasm/JS), against the stock cpu backend: values, gradients, leaks.
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lstmCell, lstmCellReference } from "../cells/lstm.js";
import { gruCell, gruCellReference } from "../cells/gru.js";
import { cpuGruCellOverrides } from "./gru-cell.js";
import { softmaxCrossEntropy } from "../ops/cross-entropy.js";
import { GruCell, LstmCell, nativeBlasInfo, setNativeBlas, SoftmaxCrossEntropy } from "./index.js";
import { installKernels, uninstallKernels } from "./registry.js";
import { cpuLstmCellOverrides } from "./lstm-cell.js";
import { ADDON, ADDON_NOTE, expectClose, expectNoLeak, expectSameOnCpuAndWasm, KERNEL_PATHS, runOn, seeded, seededInts, startCpuAndWasm } from "./testing.js";

beforeAll(startCpuAndWasm);

const t = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ).map((x) => x * scale),
    shape,
  );

describe("nativeBlasInfo", () => {
  it.skipIf(ADDON.available)(`says why the addon is not active where it did not load${ADDON.available ? " (skipped: it loaded here)" : ""}`, () => {
    const info = nativeBlasInfo();
    expect(info.active).toBe(false);
    expect(info.reason).not.toBe("");
  });

  it.skipIf(!ADDON.available)(`says which matMul path is active, and switches${ADDON_NOTE}`, () => {
    const info = nativeBlasInfo();
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.config).toMatch(/OpenBLAS/);
    expect(setNativeBlas({ enabled: false })).toMatchObject({ available: true, active: false });
    expect(setNativeBlas({ enabled: true })).toMatchObject({ available: true, active: true, reason: "" });
  });
});

describe("Identity / Cast on wasm share data instead of copying", () => {
  it("clone and same-dtype cast keep their values after the original is disposed", async () => {
    await tf.setBackend("wasm");
    const x = t([3, 4], 1);
    const expected = Array.from(x.dataSync());
    const c = tf.clone(x);
    const k = tf.cast(x, "float32");
    x.dispose();
    expectClose(Array.from(c.dataSync()), expected, 0);
    expectClose(Array.from(k.dataSync()), expected, 0);
    tf.dispose([c, k]);
    expect(tf.cast(tf.tensor1d([1.7, -2.2]), "int32").arraySync()).toEqual([1, -2]); // other dtypes: stock
    expect(tf.clone(tf.tensor1d(["a", "b"])).arraySync()).toEqual(["a", "b"]);
  });

  it("leaks nothing", async () => {
    await tf.setBackend("wasm");
    const x = t([5, 5], 2);
    expectNoLeak(() => [tf.clone(x), tf.cast(x, "float32")]);
    x.dispose();
  });
});

describe("GatherV2 of rows on wasm", () => {
  it("matches cpu for rows of 1-D, 2-D and 3-D tables, any index shape; other axes and dtypes too", async () => {
    await expectSameOnCpuAndWasm(() => {
      const ids = tf.tensor2d(seededInts(6, 7, 3), [2, 3], "int32");
      return [
        tf.gather(t([7], 1), ids),
        tf.gather(t([7, 4], 2), ids),
        tf.gather(t([7, 2, 3], 3), tf.tensor1d([6, 0, 0, 3], "int32")),
        tf.gather(t([4, 7], 4), ids, 1), // another axis: stock
        tf.cast(tf.gather(tf.tensor2d(seededInts(14, 9, 5), [7, 2], "int32"), ids), "float32"),
      ];
    });
  });

  it("its gradient (the embedding's) matches cpu", async () => {
    await expectSameOnCpuAndWasm(() => tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, tf.tensor1d([1, 4, 1, 0], "int32")), t([4, 3], 6))))(t([5, 3], 7)));
  });

  it("leaves out-of-range indices to the stock kernel", async () => {
    await tf.setBackend("wasm");
    const x = t([3, 2], 1);
    // the stock kernel's own message (ours would have read past the table on the heap)
    expect(() => tf.gather(x, tf.tensor1d([0, 5], "int32")).dataSync()).toThrow(/^GatherV2: the index value 5 is not in \[0, 2\]$/);
  });
});

for (const { path, skip, note } of KERNEL_PATHS)
  describe.skipIf(skip)(`fused kernels (${path} path)${note}`, () => {
    beforeAll(() => void setNativeBlas({ enabled: path === "openblas" }));
    afterAll(() => void setNativeBlas({ enabled: true }));

    it("Sum over leading axes matches cpu, with and without keepDims, and leaves other axes to the stock kernel", async () => {
      await expectSameOnCpuAndWasm(() => {
        const x2 = t([7, 9], 1);
        const x3 = t([3, 4, 5], 2);
        return [tf.sum(x2, 0), tf.sum(x2, 0, true), tf.sum(x3, [0, 1]), tf.sum(x3, [1, 0], true), tf.sum(x3, 0), tf.sum(x3, 1), tf.sum(x2), tf.sum(x2, -1)];
      });
    });

    it("gives the bias gradient of a dense layer as on cpu", async () => {
      await expectSameOnCpuAndWasm(() => {
        const x = t([6, 4], 3);
        const w = t([4, 5], 4);
        const r = t([6, 5], 5);
        return tf.grads((b: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(x, ww), b), r)))([t([5], 6), w]);
      });
    });

    it("softmax cross-entropy: value and gradient as on cpu, large logits too", async () => {
      await expectSameOnCpuAndWasm(() => {
        const z = t([9, 13], 7, 30);
        const y = tf.tensor1d(seededInts(9, 13, 8), "int32");
        const g = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, y))(z);
        // rows longer than the native loop's 256-wide blocks, rising so that later blocks raise the
        // running max, and big enough for its threaded path
        const wide = tf.add(t([40, 7000], 11, 30), tf.linspace(0, 50, 7000));
        const yw = tf.tensor1d(seededInts(40, 7000, 12), "int32");
        const gw = tf.valueAndGrad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, yw))(wide);
        return [g.value, g.grad, gw.value, gw.grad];
      }, 2e-4);
      await tf.setBackend("wasm");
      expect(tf.getKernel(SoftmaxCrossEntropy, "wasm")).toBeDefined();
    });

    it("LSTM cell: h, c and the gradients of xp, uh and c match the tfjs formula on cpu", async () => {
      const H = 5;
      const B = 3;
      const f = (cell: typeof lstmCell) => () => {
        const xp = t([4 * H, B], 9, 2);
        const uh = t([4 * H, B], 10, 2);
        const c = t([H, B], 11);
        const r1 = t([H, B], 12);
        const r2 = t([H, B], 13);
        const [h, cNext] = cell(xp as tf.Tensor2D, uh as tf.Tensor2D, c as tf.Tensor2D);
        // both outputs used, and only h (the last step's c gets no gradient in training)
        const both = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
          const [hh, cc] = cell(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor2D);
          return tf.add(tf.sum(tf.mul(hh, r1)), tf.sum(tf.mul(cc, r2)));
        })([xp, uh, c]);
        const onlyH = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(cell(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor2D)[0], r1)))(
          [xp, uh, c],
        );
        return [h, cNext, ...both, ...onlyH];
      };
      const ref = await runOn("cpu", f(lstmCellReference));
      const ours = await runOn("wasm", f(lstmCell));
      expect(ours.map((o) => o.shape)).toEqual(ref.map((o) => o.shape));
      expect(ours).toHaveLength(8); // h, c, both outputs' three gradients, h's three
      ours.forEach((o, i) => expectClose(o.values, ref[i]!.values, 1e-4));
    });

    it("GRU cell: h and the gradients of xp, hp and h match the tfjs formula on cpu", async () => {
      const f = (cell: typeof gruCell) => () => {
        const xp = t([9, 4], 31, 2);
        const hp = t([9, 4], 32, 2);
        const h = t([3, 4], 33);
        const r = t([3, 4], 34);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(cell(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor2D), r)))([
          xp,
          hp,
          h,
        ]);
        return [cell(xp as tf.Tensor2D, hp as tf.Tensor2D, h as tf.Tensor2D), ...g];
      };
      const ref = await runOn("cpu", f(gruCellReference));
      const ours = await runOn("wasm", f(gruCell));
      expect(ours.map((o) => o.shape)).toEqual(ref.map((o) => o.shape)); // h and the three gradients
      expect(ours).toHaveLength(4);
      ours.forEach((o, i) => expectClose(o.values, ref[i]!.values, 1e-4));
      await tf.setBackend("wasm");
      const [xp, hp, h] = [t([6, 2], 1), t([6, 2], 2), t([2, 2], 3)] as tf.Tensor2D[];
      expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(gruCell(a as tf.Tensor2D, b as tf.Tensor2D, h!)))([xp!, hp!]));
      tf.dispose([xp!, hp!, h!]);
    });

    it("LSTM cell leaks nothing, forward or backward", async () => {
      await tf.setBackend("wasm");
      const xp = t([8, 2], 1) as tf.Tensor2D;
      const uh = t([8, 2], 2) as tf.Tensor2D;
      const c = t([2, 2], 3) as tf.Tensor2D;
      expectNoLeak(() => lstmCell(xp, uh, c));
      expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(lstmCell(a as tf.Tensor2D, b as tf.Tensor2D, c)[0]))([xp, uh]));
      tf.dispose([xp, uh, c]);
    });
  });

describe("GRU cell kernels on cpu", () => {
  it("match the tfjs formula (values and gradients)", async () => {
    const f = (cell: typeof gruCell) => () => {
      const [xp, hp, h] = [t([6, 3], 41, 2), t([6, 3], 42, 2), t([2, 3], 43)] as tf.Tensor2D[];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(cell(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor2D), t([2, 3], 44))),
      )([xp!, hp!, h!]);
      return [cell(xp!, hp!, h!), ...g];
    };
    const ref = await runOn("cpu", f(gruCellReference));
    installKernels("cpu", cpuGruCellOverrides);
    try {
      const ours = await runOn("cpu", f(gruCell));
      expect(ours.map((o) => o.shape)).toEqual(ref.map((o) => o.shape)); // h and the three gradients
      expect(ours).toHaveLength(4);
      ours.forEach((o, i) => expectClose(o.values, ref[i]!.values, 1e-5));
    } finally {
      uninstallKernels("cpu", [GruCell, `${GruCell}Grad`]);
    }
  });
});

describe("LSTM cell kernels on cpu", () => {
  it("match the tfjs formula (values and gradients)", async () => {
    const f = (cell: typeof lstmCell) => () => {
      const xp = t([8, 3], 21, 2) as tf.Tensor2D;
      const uh = t([8, 3], 22, 2) as tf.Tensor2D;
      const c = t([2, 3], 23) as tf.Tensor2D;
      const r = t([2, 3], 24);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
        const [h, cc] = cell(a as tf.Tensor2D, b as tf.Tensor2D, d as tf.Tensor2D);
        return tf.sum(tf.mul(tf.add(h, cc), r));
      })([xp, uh, c]);
      return [...cell(xp, uh, c), ...g];
    };
    const ref = await runOn("cpu", f(lstmCellReference));
    installKernels("cpu", cpuLstmCellOverrides);
    try {
      expect(tf.getKernel(LstmCell, "cpu")).toBeDefined();
      const ours = await runOn("cpu", f(lstmCell));
      expect(ours.map((o) => o.shape)).toEqual(ref.map((o) => o.shape)); // h, c and the three gradients
      expect(ours).toHaveLength(5);
      ours.forEach((o, i) => expectClose(o.values, ref[i]!.values, 1e-5));
    } finally {
      uninstallKernels("cpu", [LstmCell, `${LstmCell}Grad`]);
    }
  });

  it("explains mismatched shapes", () => {
    expect(() => lstmCell(tf.zeros([8, 3]) as tf.Tensor2D, tf.zeros([8, 2]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(
      /expected xp and uh \[8, 3\]/,
    );
  });
});
