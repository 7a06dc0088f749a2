// The WGSL optimizer passes (webgpu-optimizer-update.ts: SumOfSquares, Axpy, AdamUpdate) on the
// software adapter against the stock cpu backend's tfjs ops: values (Adam over several steps),
// no leaks, the dispatches they take, and short training runs through the trainer (SGD with
// clipping, Adam) with wasm's losses. Skipped, saying why, where that adapter does not start,
// except in CI (CI=true). Shapes are small: llvmpipe is slow.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { LanguageModel } from "../models/language-model.js";
import { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import { LMTask } from "../train/lm-task.js";
import { Adam, clipScale, disposeScale, gradientScale, SGD, type Gradients } from "../train/optimizers.js";
import { TrainingError } from "../errors.js";
import { train } from "../train/trainer.js";
import { addNInputsPerShader } from "./add-n.js";
import { AdamUpdate, Axpy, SumOfSquares } from "./optimizer-update.js";
import { expectClose, seeded } from "./testing.js";
import { failInCiUnlessStarted, liveCounts, recordPrograms, recordTraining, startSoftware, stepTensorsFlat, use, type Backend } from "./webgpu-testing.js";

const reason = await startSoftware();
const SKIP = reason !== "";
failInCiUnlessStarted(reason);

const t = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    seeded(tf.util.sizeFromShape(shape), seed).map((x) => x * scale),
    shape,
  );

/** Runs `f` on `backend` and reads what it returns. */
async function on(backend: Backend, f: () => tf.Tensor[]): Promise<number[][]> {
  await use(backend);
  const outs = tf.tidy(f);
  const values = await Promise.all(outs.map(async (o) => Array.from(await o.data())));
  tf.dispose(outs);
  return values;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

// below one workgroup's share, at it, just past it (two dispatches), many workgroups, and the cap on them
const SIZES = [[1], [7], [3, 5, 7], [4096], [4097], [300, 1001], [2_100_003]];

/** Adam's attributes at step `step` (1-based), torch's defaults. */
const adamAttrs = (step: number, scale: number) => ({ scale, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 - 0.9 ** step, c2: 1 - 0.999 ** step });

describe.skipIf(SKIP)(`the WGSL optimizer passes on the software adapter${SKIP ? ` (skipped: ${reason})` : ""}`, () => {
  it.each(SIZES.map((shape) => ({ shape, name: shape.join(" x ") })))("SumOfSquares of [$name] is cpu's sum(x^2), a float32 scalar", async ({ shape }) => {
    const x = () => t(shape, 3);
    const [want] = await on("cpu", () => [tf.sum(tf.square(x()))]);
    const [got] = await on("webgpu", () => {
      const s = run(SumOfSquares, { x: x() }) as tf.Tensor;
      expect([s.shape, s.dtype]).toEqual([[], "float32"]);
      return [s];
    });
    expectClose(got!, want!, 1e-5);
  });

  it("SumOfSquares over many inputs (more than a shader may bind, large and small) is cpu's sum of every square, in groups plus one", async () => {
    const shapes = Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? [1000 + i, 9] : i % 4 === 1 ? [1] : [7, i + 1]));
    const xs = () => Object.fromEntries(shapes.map((shape, i) => [`x${i}`, t(shape, 40 + i)]));
    const [want] = await on("cpu", () => [tf.addN(Object.values(xs()).map((x) => tf.sum(tf.square(x))))]);
    await use("webgpu");
    const inputs = xs();
    tf.dispose(run(SumOfSquares, inputs)); // compiled first
    let got: number[] = [];
    const { programs } = await recordPrograms(async () => {
      const s = run(SumOfSquares, inputs) as tf.Tensor;
      expect([s.shape, s.dtype]).toEqual([[], "float32"]);
      got = Array.from(await s.data());
      s.dispose();
    });
    const perShader = addNInputsPerShader(tf.backend());
    const groups = Math.ceil(20 / perShader);
    expect(programs.filter((k) => k.startsWith("unroll_sum_of_squares"))).toHaveLength(groups);
    expect(programs.filter((k) => k.startsWith("unroll_sum_partials"))).toHaveLength(Math.ceil(groups / perShader) + (groups > perShader ? 1 : 0));
    expectClose(got, want!, 1e-5);
    const before = liveCounts();
    tf.dispose(run(SumOfSquares, inputs));
    expect(liveCounts()).toEqual(before);
    tf.dispose(Object.values(inputs));
  });

  it("Axpy is x + alpha y, in x's shape", async () => {
    for (const shape of [[5], [3, 67], [2, 3, 4]]) {
      const f = (axpy: boolean) => () => [
        axpy ? (run(Axpy, { x: t(shape, 1), y: t(shape, 2) }, { alpha: -0.37 }) as tf.Tensor) : tf.add(t(shape, 1), tf.mul(t(shape, 2), -0.37)),
      ];
      const [want] = await on("cpu", f(false));
      await use("webgpu");
      expect((tf.tidy(f(true))[0] as tf.Tensor).shape).toEqual(shape);
      const [got] = await on("webgpu", f(true));
      expectClose(got!, want!, 1e-6);
    }
  });

  it("Adam over six steps (varying gradients and clip factors, a shape of no workgroup multiple) gives cpu's parameters and moments", async () => {
    const steps = async (backend: Backend) => {
      await use(backend);
      const params = new Parameters();
      params.add("w", t([13, 11], 1));
      params.add("b", t([7], 2));
      const adam = new Adam(0.01);
      const kernels = new Set<string>();
      for (let s = 0; s < 6; s++) {
        const grads: Gradients = new Map(params.entries().map(([name, v], k) => [name, t(v.shape, 10 + 3 * s + k, 1 + s)]));
        const { kernelNames } = await tf.profile(() => adam.apply(params, grads, [1, 0.5, 0.25][s % 3]));
        kernelNames.forEach((k) => kernels.add(k));
        tf.dispose([...grads.values()]);
      }
      const out = await Promise.all([...params.entries().map(([, v]) => v), ...adam.state().values()].map(async (x) => Array.from(await x.data())));
      adam.dispose();
      params.dispose();
      return { out, kernels: [...kernels] };
    };
    const cpu = await steps("cpu");
    const gpu = await steps("webgpu");
    expect(cpu.kernels).not.toContain(AdamUpdate); // the reference runs tfjs ops
    expect(gpu.kernels).toContain(AdamUpdate);
    expect(gpu.out).toHaveLength(6); // w, b, exp_avg x 2, exp_avg_sq x 2
    gpu.out.forEach((values, i) => expectClose(values, cpu.out[i]!, 1e-5));
  });

  it("AdamUpdate on one call is torch.optim.Adam's step, gradient times scale first", async () => {
    const shape = [67];
    const attrs = adamAttrs(3, 0.5);
    const [p, g, m, v] = [t(shape, 1), t(shape, 2), t(shape, 3, 0.1), t(shape, 4, 0.01).abs()];
    await use("webgpu");
    const outs = run(AdamUpdate, { p, g, m, v }, attrs) as tf.Tensor[];
    const got = await Promise.all(outs.map(async (o) => Array.from(await o.data())));
    tf.dispose(outs);
    const [pv, gv, mv, vv] = await Promise.all([p, g, m, v].map(async (x) => Array.from(await x.data())));
    const mWant = mv!.map((mi, i) => 0.9 * mi + 0.1 * gv![i]! * 0.5);
    const vWant = vv!.map((vi, i) => 0.999 * vi + 0.001 * (gv![i]! * 0.5) ** 2);
    const pWant = pv!.map((pi, i) => pi - ((0.01 / attrs.c1) * mWant[i]!) / (Math.sqrt(vWant[i]! / attrs.c2) + 1e-8));
    expectClose(got[0]!, pWant, 1e-5);
    expectClose(got[1]!, mWant, 1e-6);
    expectClose(got[2]!, vWant, 1e-6);
    tf.dispose([p, g, m, v]);
  });

  it("with the input normSq, Axpy and AdamUpdate take torch's clip factor min(maxNorm / (sqrt(normSq) + 1e-6), 1) themselves", async () => {
    const shape = [67];
    const attrs = adamAttrs(3, 0.5);
    const [p, g, m, v] = [t(shape, 1), t(shape, 2), t(shape, 3, 0.1), t(shape, 4, 0.01).abs()];
    await use("webgpu");
    const [pv, gv, mv, vv] = await Promise.all([p, g, m, v].map(async (x) => Array.from(await x.data())));
    for (const [normSq, maxNorm] of [
      [16, 1],
      [16, 5],
    ] as const) {
      const factor = Math.min(maxNorm / (4 + 1e-6), 1); // 0.25, then 1 (not clipped)
      const n = tf.scalar(normSq);
      const axpy = run(Axpy, { x: p, y: g, normSq: n }, { alpha: -0.3, maxNorm }) as tf.Tensor;
      expectClose(
        Array.from(await axpy.data()),
        pv!.map((pi, i) => pi - 0.3 * factor * gv![i]!),
        1e-6,
      );
      const outs = run(AdamUpdate, { p, g, m, v, normSq: n }, { ...attrs, maxNorm }) as tf.Tensor[];
      const got = await Promise.all(outs.map(async (o) => Array.from(await o.data())));
      const gi = gv!.map((x) => x * 0.5 * factor);
      const mWant = mv!.map((mi, i) => 0.9 * mi + 0.1 * gi[i]!);
      const vWant = vv!.map((vi, i) => 0.999 * vi + 0.001 * gi[i]! ** 2);
      expectClose(
        got[0]!,
        pv!.map((pi, i) => pi - ((0.01 / attrs.c1) * mWant[i]!) / (Math.sqrt(vWant[i]! / attrs.c2) + 1e-8)),
        1e-5,
      );
      expectClose(got[1]!, mWant, 1e-6);
      expectClose(got[2]!, vWant, 1e-6);
      tf.dispose([n, axpy, ...outs]);
    }
    tf.dispose([p, g, m, v]);
  });

  it("leak nothing: tensors and GPU buffers are flat across repeated calls", async () => {
    await use("webgpu");
    const [x, y, m, v] = [t([4097], 1), t([4097], 2), t([4097], 3), t([4097], 4).abs()];
    const once = () => {
      tf.dispose([run(SumOfSquares, { x }), run(SumOfSquares, { x: tf.slice(x, 0, 9) }), run(Axpy, { x, y }, { alpha: 2 })]);
      tf.dispose(run(AdamUpdate, { p: x, g: y, m, v }, adamAttrs(1, 1)));
      const normSq = tf.scalar(4);
      tf.dispose(
        [
          run(Axpy, { x, y, normSq }, { alpha: 2, maxNorm: 1 }),
          run(AdamUpdate, { p: x, g: y, m, v, normSq }, { ...adamAttrs(1, 1), maxNorm: 1 }) as tf.Tensor[],
          normSq,
        ].flat(),
      );
    };
    tf.tidy(once);
    const before = liveCounts();
    tf.tidy(once);
    expect(liveCounts()).toEqual(before);
    tf.dispose([x, y, m, v]);
  });

  it("dispatch: SumOfSquares one (two past one workgroup's share), Axpy one, Adam three, with the clip input or without", async () => {
    await use("webgpu");
    const [small, large, m, v] = [t([4096], 1), t([4097], 2), t([4096], 3), t([4096], 4).abs()];
    const count = async (f: () => tf.TensorContainer) => {
      tf.dispose(f()); // compiled first
      return (await recordPrograms(() => tf.dispose(f()))).dispatches;
    };
    expect(await count(() => run(SumOfSquares, { x: small }))).toBe(1);
    expect(await count(() => run(SumOfSquares, { x: large }))).toBe(2);
    expect(await count(() => run(Axpy, { x: small, y: m }, { alpha: 2 }))).toBe(1);
    expect(await count(() => run(AdamUpdate, { p: small, g: m, m, v }, adamAttrs(2, 1)))).toBe(3);
    const normSq = tf.scalar(9);
    expect(await count(() => run(Axpy, { x: small, y: m, normSq }, { alpha: 2, maxNorm: 1 }))).toBe(1);
    expect(await count(() => run(AdamUpdate, { p: small, g: m, m, v, normSq }, { ...adamAttrs(2, 1), maxNorm: 1 }))).toBe(3);
    tf.dispose([small, large, m, v, normSq]);
  });

  it("the clip on webgpu (clipScale) stays on the device: our reductions, nothing read; SGD and Adam with it give cpu's parameters", async () => {
    const grads = () =>
      new Map([
        ["a", t([5000], 1)],
        ["b", t([3, 7], 2)],
        ["c", t([1], 3)],
      ]) as Gradients;
    const update = async (backend: Backend, maxNorm: number) => {
      await use(backend);
      const params = new Parameters();
      for (const [name, g] of grads()) params.add(name, tf.mul(g, 0.5));
      const [sgd, adam] = [new SGD(0.7), new Adam(0.01)];
      let recorded = { programs: [] as string[], reads: 0 };
      for (const opt of [sgd, adam, adam]) {
        const g = grads();
        const recording = await recordPrograms(() => {
          const scale = clipScale(g, maxNorm);
          opt.apply(params, g, scale);
          disposeScale(scale);
        });
        if (opt === sgd) recorded = recording;
        tf.dispose([...g.values()]);
      }
      const out = await Promise.all([...params.entries().map(([, v]) => v), ...adam.state().values()].map(async (x) => Array.from(await x.data())));
      adam.dispose();
      params.dispose();
      return { out, ...recorded };
    };
    await use("cpu");
    const g = grads();
    expect(gradientScale(g, 0.5).scale).toBeLessThan(0.05); // clipped at 0.5 (the norm is ~41), not at 1000
    tf.dispose([...g.values()]);
    for (const maxNorm of [0.5, 1000]) {
      const cpu = await update("cpu", maxNorm);
      const gpu = await update("webgpu", maxNorm);
      expect(gpu.reads).toBe(0);
      expect(gpu.programs.filter((k) => k.startsWith("unroll_sum_of_squares"))).toHaveLength(1); // all three gradients in one dispatch
      expect(gpu.programs.filter((k) => k.startsWith("unroll_sum_partials"))).toHaveLength(1); // then their partials added
      expect(gpu.programs.filter((k) => k.startsWith("unroll_axpy_clip"))).toHaveLength(3);
      gpu.out.forEach((values, i) => expectClose(values, cpu.out[i]!, 1e-5));
    }
  });

  const cycle = (n: number) => Int32Array.from({ length: n }, (_, i) => 4 + ((i * 7) % 11));
  it.each([
    { optimizer: "sgd" as const, lr: 1, passes: ["unroll_sum_of_squares", "unroll_axpy_clip"] },
    { optimizer: "adam" as const, lr: 0.02, passes: ["unroll_sum_of_squares", "unroll_adam_m_clip", "unroll_adam_v_clip", "unroll_adam_p"] },
  ])(
    "a short $optimizer run with clipping (tied 2-layer GRU LM) has wasm's losses step by step, through our passes, tensors and GPU buffers flat, one read a step, each loss read a step late",
    async ({ optimizer, lr, passes }) => {
      const trainOn = async (backend: Backend) => {
        await use(backend);
        const model = new LanguageModel({ vocabSize: 16, cell: "gru", embeddingSize: 6, hiddenSize: 6, layers: 2, dropout: 0, tied: true }, 2);
        const task = new LMTask(model, { train: cycle(120), valid: cycle(24), test: cycle(24) }, { batchSize: 3, bptt: 5 });
        const run = await recordTraining(task, { optimizer, lr, clip: 0.25, epochs: 1, maxSteps: 6, seed: 3 });
        task.dispose();
        model.dispose();
        return run;
      };
      const wasm = await trainOn("wasm");
      const gpu = await trainOn("webgpu");
      expect(gpu.losses).toHaveLength(6);
      expectClose(gpu.losses, wasm.losses, 1e-4);
      expect(gpu.losses.at(-1)!).toBeLessThan(gpu.losses[0]!);
      expect(stepTensorsFlat(gpu.tensors), `live tensors at each step: ${gpu.tensors}`).toBe(true);
      // no GPU buffer created after the first steps: tfjs's pool serves every step (uniforms and reads included)
      expect(new Set(gpu.gpuBytes.slice(1)).size, `GPU bytes allocated at each step: ${gpu.gpuBytes}`).toBe(1);
      for (const pass of passes)
        expect(
          gpu.programs.some((k) => k.startsWith(pass)),
          pass,
        ).toBe(true);
      // up to the last step's event, the only reads are the six losses (the clip norm is never read)
      const training = gpu.timeline.slice(0, gpu.timeline.indexOf("step 6") + 1);
      expect(training.filter((e) => e === "read")).toHaveLength(6);
      // step n's event is sent once step n + 1 is queued: the updates of n + 1 steps come before it
      const update = passes[1]!;
      const updatesBefore = (n: number) => training.slice(0, training.indexOf(`step ${n}`)).filter((k) => k.startsWith(update)).length;
      const perStep = updatesBefore(6) / 6; // one per parameter (no step 7 to queue)
      expect(perStep).toBeGreaterThan(0);
      for (let n = 1; n < 6; n++) expect(updatesBefore(n), `updates queued before step ${n} was reported`).toBe((n + 1) * perStep);
    },
  );

  it("a NaN loss at step 3 stops the run with wasm's TrainingError naming step 3, though webgpu reads it a step late; steps 1 and 2 reported", async () => {
    const diverge = async (backend: Backend) => {
      await use(backend);
      const model = new LanguageModel({ vocabSize: 16, cell: "gru", embeddingSize: 6, hiddenSize: 6, layers: 1, dropout: 0, tied: false }, 2);
      const task = new LMTask(model, { train: cycle(120), valid: cycle(24), test: cycle(24) }, { batchSize: 3, bptt: 5 });
      // the third batch's loss (and so its gradients) is NaN, as after an overflow
      const poisoned = new Proxy(task, {
        get(target, key) {
          if (key === "loss") return (index: number, rng: Rng) => tf.tidy(() => (index === 2 ? tf.mul(target.loss(index, rng), NaN) : target.loss(index, rng)));
          const v = Reflect.get(target, key) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const reported: number[] = [];
      const err = await train({
        task: poisoned,
        config: { optimizer: "sgd", lr: 1, clip: 0.25, epochs: 1, maxSteps: 6, seed: 3 },
        meta: { task: "lm", model: {} },
        onEvent: (e) => void (e.type === "step" && reported.push(e.step)),
      }).catch((e: unknown) => e);
      task.dispose();
      model.dispose();
      return { err, reported };
    };
    const wasm = await diverge("wasm");
    const gpu = await diverge("webgpu");
    expect(wasm.err).toBeInstanceOf(TrainingError);
    expect((wasm.err as TrainingError).message).toMatch(/^step 3: loss is NaN \(lr 1\); lower train\.lr/);
    expect(gpu.err).toBeInstanceOf(TrainingError);
    expect((gpu.err as TrainingError).message).toBe((wasm.err as TrainingError).message);
    expect([wasm.reported, gpu.reported]).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });
});
