// The GPU check's first step (issue 14): which adapter webgpu starts on, and two figures that
// explain the training numbers after it: the cost of one dispatch (a chain of small adds, read
// once at the end) and the reference LM's output-layer matMul ([700, 200] x [200, 10000]).
//
//   node probe.mjs [--backend webgpu]      (UNROLL_WEBGPU_SOFTWARE=1 allows the software adapter)
//
// Last line: one JSON object.
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, type BackendName } from "@unroll/core";
import { median, parseArgs, round } from "../lib/common.js";

const args = parseArgs();
const backend = (args.get("backend") ?? "webgpu") as BackendName;
const t0 = performance.now();
const info = await initBackend({ backend });
const startMs = performance.now() - t0;

/** Median ms of `reps` runs of f (after one warm-up), each ending with a read of its result. */
async function time(f: () => tf.Tensor, reps: number): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t = performance.now();
    const y = f();
    await y.data();
    y.dispose();
    if (r > 0) runs.push(performance.now() - t);
  }
  return median(runs);
}

// per-dispatch cost: n dependent adds on 1,024 floats, one read at the end (tfjs-backend-webgpu
// would run small ops whose inputs sit on the CPU there: WEBGPU_CPU_FORWARD off for this probe)
if (info.name === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
const n = 200;
const one = tf.ones([1024]);
const chainMs = await time(() => tf.tidy(() => Array.from({ length: n }).reduce<tf.Tensor>((acc) => tf.add(acc, one), tf.zeros([1024]))), 5);
const readMs = await time(() => tf.add(one, one), 5);
one.dispose();
// the reference LM's decoder product, forward only
const a = tf.randomUniform([700, 200]);
const b = tf.randomUniform([200, 10000]);
const matMulMs = await time(() => tf.matMul(a, b), 5);
a.dispose();
b.dispose();

console.log(
  JSON.stringify({
    step: "probe",
    backend: info.name,
    device: info.device,
    adapter: info.adapter ?? null,
    kernels: info.kernels,
    notice: info.notice,
    skipped: info.skipped,
    startMs: round(startMs),
    readMs: round(readMs, 3),
    msPerDispatch: round((chainMs - readMs) / n, 4),
    matMul700x200x10000Ms: round(matMulMs, 3),
    matMulGflops: round((2 * 700 * 200 * 10000) / (matMulMs / 1000) / 1e9),
    numTensors: tf.memory().numTensors,
  }),
);
