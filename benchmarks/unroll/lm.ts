// Unroll's side of the LM benchmarks, one configuration per process (backends and wasm threads
// are fixed per process): the reference LM trained on WikiText-2 through core's own trainer, or
// 200 tokens generated with core's generate(). Last line: one JSON object.
//
//   tsx unroll/lm.ts train    --backend wasm|cpu|webgpu [--native on|off] [--cell lstm] [--hidden 200] [--tied] [--batch 20] [--steps 20] [--reps 3] [--warmup 3]
//   tsx unroll/lm.ts generate --backend wasm|webgpu ... [--tokens 200] [--reps 5]
import * as tf from "@tensorflow/tfjs-core";
import { generate, initBackend, LanguageModel, LMTask, loadExperimentData, parseExperimentConfig, train } from "@unroll/core";
import { nativeBlasInfo, setNativeBlas } from "@unroll/core/kernels";
import type { BackendName } from "@unroll/core";
import { median, parseArgs } from "../lib/common.js";

const args = parseArgs();
const mode = process.argv[2] === "generate" ? "generate" : "train";
const backend = (args.get("backend") ?? "wasm") as BackendName;
const cell = (args.get("cell") ?? "lstm") as "lstm" | "gru" | "elman";
const hidden = Number(args.get("hidden") ?? 200);
const tied = args.get("tied") === "true";
const steps = Number(args.get("steps") ?? 20);
const reps = Number(args.get("reps") ?? 3);
const warmup = Number(args.get("warmup") ?? 3);
const batch = Number(args.get("batch") ?? 20);
const threads = Number(args.get("threads") ?? 1);
const dataDir = args.get("data-dir") ?? process.env.UNROLL_DATA_DIR ?? "/work/shared/data";

const info = await initBackend({ backend, threads });
if (args.get("native") === "off") setNativeBlas({ enabled: false });
if (args.has("blas-threads")) setNativeBlas({ threads: Number(args.get("blas-threads")) });
const blas = nativeBlasInfo();
const matMul = info.tfBackend === "wasm" && blas.active ? `OpenBLAS (${blas.threads} threads)` : info.tfBackend === "wasm" ? "wasm (XNNPACK)" : info.tfBackend;

const config = parseExperimentConfig({
  name: "bench",
  task: "lm",
  data: { corpus: "wikitext-2" },
  tokenizer: { kind: "word", maxVocab: 10000 },
  model: { cell, layers: 2, embeddingSize: hidden, hiddenSize: hidden, tied, dropout: 0.2 },
  train: { optimizer: "sgd", lr: 20, clip: 0.25, batchSize: batch, bptt: 35, epochs: 1, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0, seed: 1111 },
});
const m = { ...(config.model as { embeddingSize: number; hiddenSize: number; layers: number; dropout: number; tied: boolean }), cell };
const common = { backend: info.name, device: info.device, matMul, cell, hidden, tied, blas: blas.config || null, openblasCoreType: blas.coreType };

if (mode === "train") {
  const t0 = performance.now();
  const loaded = loadExperimentData(config, { dataDir });
  if (loaded.task !== "lm") throw new Error("expected LM data");
  const loadMs = performance.now() - t0;
  const V = loaded.data.vocabulary.size;
  const model = new LanguageModel(
    { vocabSize: V, cell: m.cell, embeddingSize: m.embeddingSize, hiddenSize: m.hiddenSize, layers: m.layers, dropout: m.dropout, tied: m.tied },
    1111,
  );
  // train split only: the trainer evaluates valid/test at the end, which is not what is timed
  const task = new LMTask(model, { train: loaded.data.train }, { batchSize: batch, bptt: 35 });
  const times: number[] = [];
  let lastLoss = NaN;
  await train({
    task,
    // one step more than timed: on a device backend the trainer reports each step once the next is
    // queued, so the last timed step needs one after it (else a synchronous adapter's window is empty)
    config: {
      optimizer: "sgd",
      lr: 20,
      clip: 0.25,
      epochs: 1,
      maxSteps: warmup + steps * reps + 1,
      seed: 1111,
      checkpointEvery: 0,
      evalEvery: 0,
      sampleEvery: 0,
    },
    meta: { task: "lm", model: { ...model.config } },
    onEvent: (e) => {
      if (e.type !== "step") return;
      times.push(performance.now());
      lastLoss = e.loss;
    },
  });
  // times[k] is the end of step k+1; rep r spans the end of step warmup + r*steps to warmup + (r+1)*steps
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const a = times[warmup - 1 + r * steps];
    const b = times[warmup - 1 + (r + 1) * steps];
    if (a !== undefined && b !== undefined) rates.push((steps * batch * 35) / ((b - a) / 1000));
  }
  console.log(
    JSON.stringify({
      side: "unroll",
      mode,
      ...common,
      vocab: V,
      batch,
      tokensPerSecond: median(rates),
      runs: rates.map((r) => Math.round(r)),
      steps,
      reps,
      warmup,
      lastLoss,
      loadMs: Math.round(loadMs),
      numTensors: tf.memory().numTensors,
    }),
  );
  task.dispose();
  model.dispose();
} else {
  const tokens = Number(args.get("tokens") ?? 200);
  const model = new LanguageModel(
    { vocabSize: 10000, cell: m.cell, embeddingSize: m.embeddingSize, hiddenSize: m.hiddenSize, layers: m.layers, dropout: m.dropout, tied: m.tied },
    1111,
  );
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    // n 1, from token 2 (<s>), no stop token: exactly `tokens` draws
    const out = await generate(model, { start: 2, maxLength: tokens, temperature: 1, seed: r });
    const ms = performance.now() - t0;
    if (out[0]!.length !== tokens) throw new Error(`generated ${out[0]!.length} tokens, expected ${tokens}`);
    if (r > 0) times.push(ms); // the first is warm-up
  }
  const ms = median(times);
  console.log(JSON.stringify({ side: "unroll", mode, ...common, tokens, ms, msPerToken: ms / tokens, runs: times.map((t) => Math.round(t * 10) / 10), reps }));
  model.dispose();
}
