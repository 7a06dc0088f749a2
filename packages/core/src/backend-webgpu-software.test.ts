// webgpu on the software adapter (Mesa llvmpipe through Dawn's OpenGL ES backend): the same
// values, gradients and loss curve as the CPU backends, and no leaks. These run wherever that
// adapter starts and skip, saying why, elsewhere, except in CI (CI=true), which installs Mesa's
// EGL, GLES and llvmpipe (.ci/run) and fails when the adapter does not start. tfjs-backend-webgpu's
// stock kernels compute most things: ours are AddN in chunks, the fused softmax cross-entropy, the
// whole-sequence recurrent layers, the optimizer passes, the embedding gradient and leading-axis
// sums (WGSL; kernels/webgpu-*.test.ts test those on their own). Shapes are tiny: llvmpipe is slow.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { initBackend, type BackendInfo } from "./backend.js";
import { webgpuBindingLimit } from "./backend-webgpu.js";
import { expectClose, seeded, seededInts } from "./kernels/testing.js";
import { softmaxCrossEntropy, tokenCrossEntropy } from "./ops/cross-entropy.js";
import { unregisterFastKernels } from "./kernels/index.js";
import { stepTensorsFlat } from "./kernels/webgpu-recording.js";
import { LanguageModel } from "./models/language-model.js";
import { Tagger } from "./models/tagger.js";
import type { TrainEvent } from "./train/events.js";
import { LMTask } from "./train/lm-task.js";
import { generate } from "./sampling.js";
import { statesOverText } from "./diagnostics/states-over-text.js";
import { Embedding } from "./layers/embedding.js";
import { Parameters } from "./params.js";
import { Rng } from "./random.js";
import { train } from "./train/trainer.js";

/** Starts webgpu on the software adapter, or says why it cannot here. */
async function startSoftware(): Promise<{ info?: BackendInfo; reason: string }> {
  try {
    const info = await initBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    // small tensors would otherwise be handed to tfjs's CPU kernels (WEBGPU_CPU_FORWARD): test the GPU ones
    tf.env().set("WEBGPU_CPU_FORWARD", false);
    return { info, reason: "" };
  } catch (err) {
    return { reason: (err instanceof Error ? err.message : String(err)).split(". ")[0]! };
  }
}
const started = await startSoftware();
const SKIP = started.info === undefined;
const NOTE = SKIP ? ` (skipped: ${started.reason})` : "";

it.runIf(SKIP && process.env["CI"] === "true")("CI: the software adapter starts (.ci/run installs what it needs)", () => {
  expect.fail(`webgpu on the software adapter did not start: ${started.reason}`);
});

type Backend = "cpu" | "wasm" | "webgpu";
async function use(backend: Backend): Promise<void> {
  if (backend === "webgpu") await initBackend({ backend: "webgpu", allowSoftwareAdapter: true });
  else {
    await initBackend({ backend });
    if (backend === "cpu") unregisterFastKernels("cpu"); // the reference: stock kernels only
  }
}

const ids2d = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length], "int32");

/** Loss and the gradient of every parameter of a model built on `backend` with the same seed. */
async function lossAndGrads(backend: Backend, build: () => { loss(): tf.Scalar; named(): [string, tf.Variable][]; dispose(): void }) {
  await use(backend);
  const model = build();
  const named = model.named();
  const { value, grads } = tf.variableGrads(
    () => model.loss(),
    named.map(([, v]) => v),
  );
  const out = { loss: (await value.data())[0]!, grads: {} as Record<string, number[]> };
  for (const [name, v] of named) out.grads[name] = Array.from(await grads[v.name]!.data()); // by parameter name: tfjs's variable names differ per model
  tf.dispose([value, grads]);
  model.dispose();
  return out;
}

function lmCase(cell: "elman" | "lstm" | "gru") {
  return () => {
    const m = new LanguageModel({ vocabSize: 7, cell, embeddingSize: 4, hiddenSize: 4, layers: 2, dropout: 0, tied: cell === "lstm" }, 3);
    const ids = ids2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const targets = ids2d([
      [2, 3, 4],
      [5, 6, 1],
    ]);
    return {
      loss: () =>
        tf.tidy(() => {
          const { loss, state } = m.loss(ids, targets);
          tf.dispose(state);
          return loss;
        }),
      named: () => m.params.entries(),
      dispose: () => {
        tf.dispose([ids, targets]);
        m.dispose();
      },
    };
  };
}

function taggerCase(cell: "elman" | "lstm" | "gru") {
  return () => {
    const m = new Tagger({ vocabSize: 9, numTags: 3, cell, embeddingSize: 4, hiddenSize: 3, layers: 1, bidirectional: true, dropout: 0 }, 5);
    const ids = ids2d([
      [1, 2, 3, 0],
      [4, 5, 6, 7],
    ]);
    const tags = ids2d([
      [0, 1, 2, 0],
      [2, 1, 0, 1],
    ]);
    const mask = tf.tensor2d([1, 1, 1, 0, 1, 1, 1, 1], [2, 4]); // a padded row
    return {
      loss: () => m.loss(ids, tags, mask),
      named: () => m.params.entries(),
      dispose: () => {
        tf.dispose([ids, tags, mask]);
        m.dispose();
      },
    };
  };
}

describe.skipIf(SKIP)(`webgpu on the software adapter${NOTE}`, () => {
  it("starts on it, and records the adapter as software in compatibility mode", () => {
    const info = started.info!;
    expect(info).toMatchObject({ name: "webgpu", tfBackend: "webgpu", chosenBy: "option", adapter: { software: true } });
    expect(info.device).toMatch(/^software GPU \(CPU rasteriser\) via WebGPU \(/);
    expect(info.notice).toMatch(/^software WebGPU adapter .*Fix: /);
  });

  it("gives the device's binding limit to runExperiment's check (webgpuBindingLimit), and none off webgpu", async () => {
    await use("webgpu");
    expect(webgpuBindingLimit()).toBe(
      (tf.backend() as unknown as { device: { limits: { maxStorageBufferBindingSize: number } } }).device.limits.maxStorageBufferBindingSize,
    );
    expect(webgpuBindingLimit()).toBeGreaterThanOrEqual(128 * 2 ** 20); // WebGPU's default, llvmpipe's
    await use("cpu");
    expect(webgpuBindingLimit()).toBeUndefined();
  });

  it("AddN over more inputs than a shader may bind (gradient clipping's sum) gives the sum, without leaks", async () => {
    await use("webgpu");
    const xs = Array.from({ length: 20 }, (_, i) => tf.tensor1d(seeded(5, i + 1)));
    const expected = Array.from({ length: 5 }, (_, j) => xs.reduce((s, _x, i) => s + seeded(5, i + 1)[j]!, 0));
    const sum = tf.addN(xs);
    expectClose(Array.from(await sum.data()), expected, 1e-5);
    sum.dispose();
    const before = tf.memory().numTensors;
    const data = tf.engine().backend.numDataIds();
    tf.addN(xs).dispose();
    expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual([before, data]);
    tf.dispose(xs);
  });

  const cases = [
    ...(["elman", "lstm", "gru"] as const).map((cell) => ({
      name: `${cell} language model (2 layers${cell === "lstm" ? ", tied" : ""})`,
      build: lmCase(cell),
    })),
    ...(["elman", "lstm", "gru"] as const).map((cell) => ({ name: `${cell} bidirectional tagger with a padded row`, build: taggerCase(cell) })),
  ];
  it.each(cases)("$name: loss and every gradient match the cpu backend", async ({ build }) => {
    const cpu = await lossAndGrads("cpu", build);
    const gpu = await lossAndGrads("webgpu", build);
    expect(gpu.loss).toBeCloseTo(cpu.loss, 5);
    expect(Object.keys(gpu.grads).sort()).toEqual(Object.keys(cpu.grads).sort());
    for (const [name, g] of Object.entries(cpu.grads)) expectClose(gpu.grads[name]!, g, 1e-4);
  });

  it("Embedding.load (pretrained vectors) replaces the rows named, as on cpu, without a synchronous read", async () => {
    const load = async (backend: Backend) => {
      await use(backend);
      const params = new Parameters();
      const emb = new Embedding(params, "encoder", 5, 3, new Rng(1));
      emb.load(
        new Map([
          [1, Float32Array.from([1, 2, 3])],
          [4, Float32Array.from([-1, -2, -3])],
        ]),
      );
      const e = Array.from(await emb.weight.data());
      params.dispose();
      return e;
    };
    const gpu = await load("webgpu");
    expect(gpu.slice(3, 6)).toEqual([1, 2, 3]);
    expect(gpu.slice(12, 15)).toEqual([-1, -2, -3]);
    expectClose(gpu, await load("cpu"), 1e-7);
  });

  it("statesOverText (the playground's unit traces) gives cpu's values, reading asynchronously, without leaks", async () => {
    const trace = async (backend: Backend) => {
      await use(backend);
      const m = new LanguageModel({ vocabSize: 9, cell: "lstm", embeddingSize: 4, hiddenSize: 3, layers: 1, dropout: 0, tied: false }, 2);
      await statesOverText(m, [1, 2, 3], { topK: 2 }); // warm: first-call allocations
      const before = tf.memory().numTensors;
      const states = await statesOverText(m, [1, 2, 3], { topK: 2 });
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
      return states;
    };
    const gpu = await trace("webgpu");
    const cpu = await trace("cpu");
    expect(gpu.traces.map((t) => t.name)).toEqual(cpu.traces.map((t) => t.name));
    gpu.traces.forEach((t, i) => expectClose(t.values.flat(), cpu.traces[i]!.values.flat(), 1e-5));
    expect(gpu.next!.map((row) => row.map((n) => n.id))).toEqual(cpu.next!.map((row) => row.map((n) => n.id)));
  });

  it("generation (top-k, two samples, a prompt) draws cpu's tokens", async () => {
    const draw = async (backend: Backend) => {
      await use(backend);
      const m = new LanguageModel({ vocabSize: 9, cell: "gru", embeddingSize: 4, hiddenSize: 4, layers: 2, dropout: 0, tied: true }, 1);
      const tokens = await generate(m, { start: 1, prompt: [2, 3], maxLength: 6, topK: 3, seed: 1, n: 2 });
      m.dispose();
      return tokens;
    };
    expect(await draw("webgpu")).toEqual(await draw("cpu"));
  });

  // the first fused WGSL kernel (kernels/webgpu-softmax-ce.ts): both workgroup sizes, V below and above them
  it.each([
    [5, 3],
    [7, 300],
    [3, 5000],
  ])("fused softmax cross-entropy [%i, %i]: loss, per-token nll and gradient match the cpu backend's ops, in our kernels' dispatches", async (n, v) => {
    const run = async (backend: Backend) => {
      await use(backend);
      const z = tf.tensor2d(
        seeded(n * v, 3).map((x) => x * 20),
        [n, v],
      ); // logits up to +-20: the max is subtracted
      const y = tf.tensor1d(seededInts(n, v, 5), "int32");
      const w = tf.tensor1d(Array.from({ length: n }, (_, i) => (i % 3 === 2 ? 0 : 1))); // padded tokens
      const f = (logits: tf.Tensor) => softmaxCrossEntropy(logits as tf.Tensor2D, y, w);
      const { kernelNames } = await tf.profile(() => tf.grad(f)(z));
      const [loss, nll, grad] = [f(z), tokenCrossEntropy(z, y), tf.grad(f)(z)];
      const out = { loss: Array.from(await loss.data()), nll: Array.from(await nll.data()), grad: Array.from(await grad.data()), kernelNames };
      tf.dispose([z, y, w, loss, nll, grad]);
      return out;
    };
    const cpu = await run("cpu");
    const gpu = await run("webgpu");
    expect(gpu.kernelNames).toEqual(expect.arrayContaining(["UnrollSoftmaxCrossEntropy", "UnrollSoftmaxCrossEntropyGrad"]));
    expect(gpu.kernelNames).not.toContain("Softmax");
    expectClose(gpu.loss, cpu.loss, 1e-5);
    expectClose(gpu.nll, cpu.nll, 1e-5);
    expectClose(gpu.grad, cpu.grad, 1e-5);
  });

  it("fused softmax cross-entropy leaks nothing", async () => {
    await use("webgpu");
    const z = tf.variable(tf.tensor2d(seeded(4 * 9, 1), [4, 9]));
    const y = tf.tensor1d([0, 8, 3, 3], "int32");
    const step = () => tf.tidy(() => tf.variableGrads(() => softmaxCrossEntropy(z, y), [z]).grads[z.name]!);
    tf.dispose(step());
    const [tensors, data] = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
    tf.dispose(step());
    expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual([tensors, data]);
    tf.dispose([z, y]);
  });

  it("a short training run (2-layer LSTM, Adam, clipping over 8 parameters) has wasm's losses step by step, with tensors flat across steps", async () => {
    const cycle = (n: number) => Int32Array.from({ length: n }, (_, i) => 4 + (i % 5));
    const run = async (backend: Backend) => {
      await use(backend);
      const model = new LanguageModel({ vocabSize: 9, cell: "lstm", embeddingSize: 8, hiddenSize: 8, layers: 2, dropout: 0, tied: true }, 1);
      const task = new LMTask(model, { train: cycle(96), valid: cycle(24), test: cycle(24) }, { batchSize: 2, bptt: 4 });
      const losses: number[] = [];
      const tensors: number[] = [];
      const controller = new AbortController();
      expect(model.params.names().length).toBeGreaterThan(7); // the clip norm's AddN runs in chunks
      await train({
        task,
        config: { optimizer: "adam", lr: 0.03, clip: 0.5, epochs: 1, maxSteps: 8, seed: 7 },
        meta: { task: "lm", model: {} },
        signal: controller.signal,
        onEvent: (e: TrainEvent) => {
          if (e.type !== "step") return;
          losses.push(e.loss);
          tensors.push(tf.memory().numTensors);
        },
      });
      task.dispose();
      model.dispose();
      return { losses, tensors };
    };
    const wasm = await run("wasm");
    const gpu = await run("webgpu");
    expect(gpu.losses).toHaveLength(8);
    expectClose(gpu.losses, wasm.losses, 1e-4);
    expect(gpu.losses.at(-1)!).toBeLessThan(gpu.losses[0]!); // it learns
    expect(stepTensorsFlat(gpu.tensors), `live tensors at each step: ${gpu.tensors}`).toBe(true); // flat after the first step (optimizer moments made then)
  });
});
