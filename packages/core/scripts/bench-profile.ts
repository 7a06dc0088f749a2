// Where a training step of the reference LM spends its time on wasm: kernel milliseconds by
// kernel name (tf.profile) over a few steps, plus the wall time per step.
//
//   npx tsx scripts/bench-profile.ts [--steps=4] [--cell=lstm|gru|elman] [--tied] [--hidden=200]
//                                    [--no-native] [--blas-threads=N]
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend.js";
import { setNativeBlas } from "../src/kernels/index.js";
import { LanguageModel } from "../src/models/language-model.js";
import { Rng } from "../src/random.js";
import { LMTask } from "../src/train/lm-task.js";
import { gradientScale, SGD } from "../src/train/optimizers.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string | undefined]));
const steps = Number(args.get("steps") ?? 4);
const H = Number(args.get("hidden") ?? 200);
const info = await initBackend({ backend: "wasm" });
const blas = setNativeBlas({ enabled: !args.has("no-native"), ...(args.has("blas-threads") ? { threads: Number(args.get("blas-threads")) } : {}) });
console.log(`${info.device}; matMul: ${blas.active ? `OpenBLAS, ${blas.threads} thread(s)` : "wasm"}`);
const V = 10_000;
const rng = new Rng(1);
const tokens = Int32Array.from({ length: 20 * 35 * (steps + 3) }, () => rng.int(V));
const model = new LanguageModel(
  { vocabSize: V, cell: (args.get("cell") as "lstm" | undefined) ?? "lstm", embeddingSize: H, hiddenSize: H, layers: 2, dropout: 0.2, tied: args.has("tied") },
  1,
);
const task = new LMTask(model, { train: tokens }, { batchSize: 20, bptt: 35 });
const sgd = new SGD(20);
const variables = task.params.variables();
const names = new Map(task.params.entries().map(([name, v]) => [v.name, name])); // tf name -> ours

function step(i: number): void {
  const { value, grads } = tf.variableGrads(() => task.loss(i, rng), variables);
  value.dataSync();
  const named = new Map(Object.entries(grads).map(([k, g]) => [names.get(k) ?? k, g]));
  sgd.apply(task.params, named, gradientScale(named, 0.25).scale); // as the trainer does
  tf.dispose([value, ...Object.values(grads)]);
  task.endStep(true);
}

step(0); // warm-up
const byKernel = new Map<string, { ms: number; n: number }>();
const walls: number[] = [];
for (let s = 1; s <= steps; s++) {
  const t0 = performance.now();
  const prof = await tf.profile(() => step(s));
  walls.push(performance.now() - t0);
  for (const k of prof.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.n++;
    byKernel.set(k.name, e);
  }
}
const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0) / steps;
const wall = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)]!;
console.log(`per step: wall ${wall.toFixed(0)} ms (profiled), kernels ${total.toFixed(0)} ms, ${(700 / (wall / 1000)).toFixed(0)} tokens/s`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 18)) {
  console.log(`  ${name.padEnd(28)} ${(e.ms / steps).toFixed(1).padStart(8)} ms  ${(e.n / steps).toFixed(0).padStart(5)} calls`);
}
task.dispose();
model.dispose();
