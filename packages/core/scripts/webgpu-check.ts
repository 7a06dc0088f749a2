// webgpu against wasm on real configs (issue 14): the demo (examples/char-lstm-shakespeare.json)
// and the reference LM (examples/word-lstm-wikitext2.json: 2-layer LSTM 200, vocab 10k, bptt 35,
// batch 20, SGD lr 20, clip 0.25, dropout 0.2) for a few steps on each backend in one process,
// from the same seed: the losses must agree step by step, tensors must stay flat, and the steady
// tokens/s of each backend is printed (steps after the first two), with webgpu's dispatches and
// host reads per step (the median between step events) and, from 6 steps on, a kernel profile of
// one step: GPU time per program by timestamp queries (where the device has them; that step and
// the one after are left out of tokens/s). One JSON line at the end with the adapter; exit code 1
// when the losses disagree.
//
//   npx tsx scripts/webgpu-check.ts [--steps=10] [--configs=demo,reference] [--software]
//
// --software allows the software adapter (Mesa llvmpipe; correctness only: ~1,000 tokens/s on the
// demo, ~50 on the reference LM, on 2 shared cores). Without it, webgpu must find a hardware adapter.
// Corpora come from core's data directory (UNROLL_DATA_DIR, else shared/data above the cwd).
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { initBackend, type BackendInfo } from "../src/backend.js";
import { defaultDataDir } from "../src/data/data-dir.js";
import { runExperiment } from "../src/experiment.js";
import { KernelTimer, recordPrograms, stepTensorsFlat, type KernelProfile } from "../src/kernels/webgpu-recording.js";

const CONFIGS: Record<string, string> = { demo: "char-lstm-shakespeare.json", reference: "word-lstm-wikitext2.json" };
const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const steps = Number(arg("steps", "10"));
const configs = arg("configs", "demo,reference").split(",");
const software = process.argv.includes("--software");

interface Measured {
  losses: number[];
  tensors: number[];
  tokensPerSecond: number;
  seconds: number;
  /** wall time per step over the same steps as tokensPerSecond */
  msPerStep: number;
  /** webgpu: the median per step of dispatches and of reads back to the host */
  perStep?: { dispatches: number; reads: number };
  /** webgpu, 6 steps or more: one step's GPU time by program (the 12 costliest) */
  profile?: KernelProfile | { error: string };
}

/** A profile with its 12 costliest programs, times rounded to the microsecond. */
const trimmed = (p: KernelProfile): KernelProfile => ({
  ...p,
  kernelMs: +p.kernelMs.toFixed(3),
  programs: p.programs.slice(0, 12).map((x) => ({ ...x, ms: +x.ms.toFixed(3) })),
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Dispatches and reads between consecutive "step" marks of a timeline (webgpu-recording.ts). */
function perStep(timeline: string[]): { dispatches: number; reads: number } {
  const marks = timeline.flatMap((e, i) => (e === "step" ? [i] : []));
  const between = marks.slice(1).map((end, k) => timeline.slice(marks[k]! + 1, end));
  return {
    dispatches: median(between.map((es) => es.filter((e) => e !== "read").length)),
    reads: median(between.map((es) => es.filter((e) => e === "read").length)),
  };
}

async function measure(file: string, backend: "wasm" | "webgpu"): Promise<Measured & { info: BackendInfo }> {
  const info = await initBackend({ backend, allowSoftwareAdapter: software });
  const config = JSON.parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), "utf8")) as { train: object; sample?: unknown };
  // training steps only: no validation, samples or checkpoints in between
  config.train = { ...config.train, maxSteps: steps, evalEvery: 0, evalBatches: 1, sampleEvery: 0, checkpointEvery: 0 };
  delete config.sample;
  const losses: number[] = [];
  const tensors: number[] = [];
  const marks: { t: number; tokens: number }[] = [];
  // the window between two step events holds the next step's dispatches (webgpu reports a step late)
  const profileAt = backend === "webgpu" && steps >= 6 ? steps - 2 : undefined;
  const timer = new KernelTimer();
  let profile: Promise<KernelProfile> | undefined;
  const start = performance.now();
  const { timeline } = await recordPrograms((timeline) =>
    runExperiment(config, {
      dataDir: defaultDataDir(),
      onEvent: (e) => {
        if (e.type !== "step") return;
        losses.push(e.loss);
        tensors.push(tf.memory().numTensors);
        marks.push({ t: performance.now(), tokens: e.tokens });
        timeline.push("step");
        if (e.step === profileAt) timer.start();
        if (profileAt !== undefined && e.step === profileAt + 1) profile = timer.stop();
      },
    }),
  );
  // not the profiled step, nor the last event: on webgpu no step follows it (each is reported once the next is queued)
  const last = profileAt !== undefined ? profileAt - 1 : marks.length - 2;
  const [a, b] = [marks[Math.min(2, last - 1)]!, marks[last]!];
  return {
    info,
    losses,
    tensors,
    tokensPerSecond: Math.round(((b.tokens - a.tokens) / (b.t - a.t)) * 1000),
    msPerStep: +((b.t - a.t) / Math.max(1, marks.indexOf(b) - marks.indexOf(a))).toFixed(3), // wall time, against the profile's GPU time
    seconds: +((performance.now() - start) / 1000).toFixed(1),
    ...(backend === "webgpu" ? { perStep: perStep(timeline) } : {}),
    ...(profile ? { profile: await profile.then(trimmed, (err: unknown) => ({ error: String(err) })) } : {}),
  };
}

const results: Record<string, unknown> = {};
let adapter: BackendInfo["adapter"];
let ok = true;
for (const name of configs) {
  const file = CONFIGS[name];
  if (!file) throw new Error(`--configs: unknown "${name}"; expected ${Object.keys(CONFIGS).join(", ")}`);
  const wasm = await measure(file, "wasm");
  const gpu = await measure(file, "webgpu");
  adapter = gpu.info.adapter;
  const maxRelDiff = Math.max(...gpu.losses.map((l, i) => Math.abs(l - wasm.losses[i]!) / Math.max(1, Math.abs(wasm.losses[i]!))));
  const flat = stepTensorsFlat(gpu.tensors); // webgpu reports each loss a step late
  const agree = gpu.losses.length === wasm.losses.length && maxRelDiff <= 1e-4;
  ok &&= agree && flat;
  results[name] = {
    agree,
    maxRelDiff,
    tensorsFlat: flat,
    wasm: { device: wasm.info.device, tokensPerSecond: wasm.tokensPerSecond, seconds: wasm.seconds, losses: wasm.losses },
    webgpu: {
      device: gpu.info.device,
      kernels: gpu.info.kernels,
      tokensPerSecond: gpu.tokensPerSecond,
      msPerStep: gpu.msPerStep,
      seconds: gpu.seconds,
      perStep: gpu.perStep,
      profile: gpu.profile,
      losses: gpu.losses,
    },
  };
  console.error(
    `${name}: wasm ${wasm.tokensPerSecond} tok/s, webgpu ${gpu.tokensPerSecond} tok/s (${gpu.perStep?.dispatches} dispatches, ${gpu.perStep?.reads} reads a step), losses ${agree ? "agree" : "DIFFER"} (max rel diff ${maxRelDiff.toExponential(1)})`,
  );
}
console.log(JSON.stringify({ steps, software, adapter, results }));
process.exit(ok ? 0 : 1);
