// Clipping and the SGD/Adam updates: torch's formulas by hand, and the fused wasm kernels
// (sum of squares, axpy; native addon or heap loop) against the stock cpu backend.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { AdamUpdate, Axpy, setNativeBlas, SumOfSquares } from "../kernels/index.js";
import { expectClose, expectNoLeak, expectSameOnCpuAndWasm, KERNEL_PATHS, seeded, startCpuAndWasm } from "../kernels/testing.js";
import { Parameters } from "../params.js";
import { Adam, clipScale, disposeScale, globalNorm, gradientScale, SGD, type GradientScale, type Gradients } from "./optimizers.js";

beforeAll(startCpuAndWasm);

const t = (shape: number[], seed: number) =>
  tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

describe("gradientScale (torch's clip_grad_norm_)", () => {
  it("is maxNorm / (norm + 1e-6) above maxNorm and 1 below it", async () => {
    await tf.setBackend("wasm");
    const grads: Gradients = new Map<string, tf.Tensor>([
      ["a", tf.tensor1d([3, 0])],
      ["b", tf.tensor2d([[0, 4]])],
    ]); // norm 5
    expect(globalNorm(grads)).toBeCloseTo(5, 6);
    expect(gradientScale(grads, 0.25).scale).toBeCloseTo(0.25 / (5 + 1e-6), 9);
    expect(gradientScale(grads, 10)).toEqual({ scale: 1, norm: 5 });
    expect(gradientScale(grads, 1)).toEqual({ scale: 1 / (5 + 1e-6), norm: 5 }); // clipped to norm 1: g * scale
    tf.dispose([...grads.values()]);
  });

  it.each(["wasm", "cpu"])("clipScale (the trainer's) is gradientScale's number on %s, where reads are free", async (backend) => {
    await tf.setBackend(backend);
    const grads: Gradients = new Map<string, tf.Tensor>(Array.from({ length: 9 }, (_, i) => [`p${i}`, t([3, 2], i + 1)] as const));
    const before = tf.memory().numTensors;
    expect(clipScale(grads, 0.5)).toBe(gradientScale(grads, 0.5).scale);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...grads.values()]);
  });

  for (const { native, skip, note } of KERNEL_PATHS) {
    it.skipIf(skip)(
      `sums squares on wasm as cpu does (${native ? "native addon" : "heap loop"}), for sizes on both sides of the threading cut${note}`,
      async () => {
        setNativeBlas({ enabled: native });
        await expectSameOnCpuAndWasm(() => [7, 300_001].map((n) => tf.scalar(globalNorm(new Map([["x", t([n], n)]])))), 1e-5);
        setNativeBlas({ enabled: true });
      },
    );
  }
});

describe("SumOfSquares over several inputs (the clip norm in one call)", () => {
  for (const { native, skip, note } of KERNEL_PATHS) {
    it.skipIf(skip)(`on wasm (${native ? "native addon" : "heap loop"}) is cpu's sum of every square${note}`, async () => {
      const shapes = [[300_001], [3, 4], [1]];
      await tf.setBackend("cpu");
      const want = tf.tidy(() => tf.addN(shapes.map((shape, i) => tf.sum(tf.square(t(shape, 60 + i))))).dataSync()[0]!);
      await tf.setBackend("wasm");
      setNativeBlas({ enabled: native });
      const xs = Object.fromEntries(shapes.map((shape, i) => [`x${i}`, t(shape, 60 + i)]));
      const s = tf.engine().runKernel(SumOfSquares, xs) as tf.Scalar;
      expect(s.shape).toEqual([]);
      expectClose([s.dataSync()[0]!], [want], 1e-5);
      expect(() => tf.engine().runKernel(SumOfSquares, {})).toThrow("UnrollSumOfSquares: expected at least one input");
      tf.dispose([s, ...Object.values(xs)]);
      setNativeBlas({ enabled: true });
    });
  }
});

describe("SGD with a folded clip factor", () => {
  for (const { native, skip, note } of KERNEL_PATHS) {
    it.skipIf(skip)(`p - lr scale g on wasm equals cpu's Mul + Sub (${native ? "native addon" : "heap loop"})${note}`, async () => {
      setNativeBlas({ enabled: native });
      await expectSameOnCpuAndWasm(() => {
        const params = new Parameters();
        params.add("w", t([600, 500], 1)); // 300k: the threaded path
        params.add("b", t([5], 2));
        new SGD(20).apply(
          params,
          new Map([
            ["w", t([600, 500], 3)],
            ["b", t([5], 4)],
          ]),
          0.125,
        );
        const out = [tf.clone(params.get("w")), tf.clone(params.get("b"))];
        params.dispose();
        return out;
      }, 1e-6);
      setNativeBlas({ enabled: true });
    });
  }

  it("really runs the fused kernels on wasm, and leaks nothing", async () => {
    await tf.setBackend("wasm");
    const params = new Parameters();
    params.add("w", t([4, 3], 5));
    const g: Gradients = new Map([["w", t([4, 3], 6)]]);
    const { kernelNames } = await tf.profile(() => new SGD(1).apply(params, g, gradientScale(g, 0.5).scale));
    expect(kernelNames).toEqual(expect.arrayContaining([SumOfSquares, Axpy]));
    expectNoLeak(() => new SGD(0.1).apply(params, g, gradientScale(g, 0.5).scale));
    tf.dispose([...g.values()]);
    params.dispose();
  });
});

describe("Adam's fused update", () => {
  for (const { native, skip, note } of KERNEL_PATHS) {
    it.skipIf(skip)(`three steps on wasm (${native ? "native addon" : "heap loop"}) equal cpu's ops, moments included${note}`, async () => {
      setNativeBlas({ enabled: native });
      await expectSameOnCpuAndWasm(() => {
        const params = new Parameters();
        params.add("w", t([600, 500], 11)); // 300k: the threaded path
        params.add("b", t([5], 12));
        const adam = new Adam(0.01);
        for (let i = 0; i < 3; i++) {
          const grads = new Map([
            ["w", t([600, 500], 13 + i)],
            ["b", t([5], 20 + i)],
          ]);
          adam.apply(params, grads, i === 1 ? 0.5 : 1);
          tf.dispose([...grads.values()]);
        }
        const out = [tf.clone(params.get("w")), tf.clone(params.get("b")), ...[...adam.state().values()].map((s) => tf.clone(s))];
        adam.dispose();
        params.dispose();
        return out;
      }, 1e-5);
      setNativeBlas({ enabled: true });
    });
  }

  it("runs as one kernel per parameter on wasm, and leaks nothing", async () => {
    await tf.setBackend("wasm");
    const params = new Parameters();
    params.add("w", t([4, 3], 5));
    const g: Gradients = new Map([["w", t([4, 3], 6)]]);
    const adam = new Adam(0.1);
    adam.apply(params, g); // creates the moments (ZerosLike)
    const { kernelNames } = await tf.profile(() => adam.apply(params, g));
    expect(kernelNames).toEqual([AdamUpdate]);
    expectNoLeak(() => adam.apply(params, g, 0.5));
    adam.dispose();
    tf.dispose([...g.values()]);
    params.dispose();
  });
});

describe("Adam with a clip factor", () => {
  it("equals Adam on gradients scaled beforehand", async () => {
    await tf.setBackend("wasm");
    const run = (prescale: boolean) => {
      const params = new Parameters();
      params.add("w", t([3, 4], 7));
      const adam = new Adam(0.01);
      for (let i = 0; i < 3; i++) {
        const g = t([3, 4], 8 + i);
        const scaled = prescale ? tf.mul(g, 0.3) : g;
        adam.apply(params, new Map([["w", scaled]]), prescale ? 1 : 0.3);
        tf.dispose([g, scaled]);
      }
      const out = Array.from(params.get("w").dataSync());
      adam.dispose();
      params.dispose();
      return out;
    };
    expectClose(run(false), run(true), 1e-6);
  });
});

describe("the clip factor left on the device (DeviceClip: the squared norm, not read back)", () => {
  /** Three steps of `make()` with the clip as a number (gradientScale) or as a DeviceClip; the parameters and state after. */
  const steps = (make: () => SGD | Adam, maxNorm: number, onDevice: boolean) => {
    const params = new Parameters();
    params.add("w", t([600, 500], 31)); // 300k: the threaded path on wasm
    params.add("b", t([5], 32));
    const opt = make();
    for (let i = 0; i < 3; i++) {
      const grads: Gradients = new Map([
        ["w", tf.mul(t([600, 500], 33 + i), 0.01)],
        ["b", t([5], 40 + i)],
      ]);
      // the same squared norm both ways (a float32 Sum over 300k squares would differ by ~1e-5 from the fused one)
      const scale: GradientScale = onDevice ? { squaredNorm: tf.scalar(globalNorm(grads) ** 2), maxNorm } : gradientScale(grads, maxNorm).scale;
      opt.apply(params, grads, scale);
      disposeScale(scale);
      tf.dispose([...grads.values()]);
    }
    const out = [tf.clone(params.get("w")), tf.clone(params.get("b")), ...[...opt.state().values()].map((x) => tf.clone(x))];
    opt.dispose();
    params.dispose();
    return out;
  };
  // norms: ~3.6 (clipped at 0.5, not at 10)
  const cases = [
    { name: "SGD", make: () => new SGD(2) },
    { name: "Adam", make: () => new Adam(0.01) },
  ].flatMap((c) => [0.5, 10].map((maxNorm) => ({ ...c, maxNorm })));

  it.each(cases)(
    "$name, maxNorm $maxNorm: the same update as with the number, on cpu (tfjs ops) and on wasm (the fused kernels' normSq)",
    async ({ make, maxNorm }) => {
      for (const backend of ["cpu", "wasm"]) {
        await tf.setBackend(backend);
        const [want, got] = [steps(make, maxNorm, false), steps(make, maxNorm, true)];
        const values = await Promise.all([...want, ...got].map(async (x) => Array.from(await x.data())));
        tf.dispose([...want, ...got]);
        for (let i = 0; i < want.length; i++) expectClose(values[want.length + i]!, values[i]!, 1e-6);
      }
    },
  );

  it("runs the fused kernels on wasm with it, and leaks nothing", async () => {
    await tf.setBackend("wasm");
    const params = new Parameters();
    params.add("w", t([4, 3], 5));
    const g: Gradients = new Map([["w", t([4, 3], 6)]]);
    const clip = () => ({ squaredNorm: tf.scalar(100), maxNorm: 1 });
    const adam = new Adam(0.1);
    adam.apply(params, g); // creates the moments (ZerosLike)
    for (const opt of [new SGD(0.1), adam]) {
      const c = clip();
      const { kernelNames } = await tf.profile(() => opt.apply(params, g, c));
      expect(kernelNames).toEqual([opt.kind === "sgd" ? Axpy : AdamUpdate]);
      expectNoLeak(() => opt.apply(params, g, c));
      disposeScale(c);
    }
    adam.dispose();
    tf.dispose([...g.values()]);
    params.dispose();
  });

  it("the kernels say what is wrong with a bad normSq or maxNorm", async () => {
    await tf.setBackend("wasm");
    const [x, y] = [t([3], 1), t([3], 2)];
    const axpy = (normSq: tf.Tensor, attrs: object) => () => tf.engine().runKernel(Axpy, { x, y, normSq }, { alpha: 1, ...attrs } as tf.NamedAttrMap);
    expect(axpy(tf.tensor1d([1, 2]), { maxNorm: 1 })).toThrow("UnrollAxpy: normSq must be a scalar (the squared global norm); got [2]");
    expect(axpy(tf.scalar(4), {})).toThrow("UnrollAxpy: with normSq, maxNorm must be positive; got undefined");
    expect(axpy(tf.scalar(4, "int32"), { maxNorm: 1 })).toThrow("UnrollAxpy: expected float32 tensors; got int32");
    tf.dispose([x, y]);
  });
});
