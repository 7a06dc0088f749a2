// GFLOP/s of the reference LM's output-layer products on the wasm backend: the wasm path and the
// OpenBLAS path (when @unroll/native-blas is built), forward and both gradient shapes.
//
//   npx tsx scripts/bench-matmul.ts [--reps=5] [--blas-threads=N]
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend.js";
import { nativeBlasInfo, setNativeBlas } from "../src/kernels/index.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string | undefined]));
const reps = Number(args.get("reps") ?? 9);
await initBackend({ backend: "wasm" });
if (args.has("blas-threads")) setNativeBlas({ threads: Number(args.get("blas-threads")) });
console.log(nativeBlasInfo());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(f: () => tf.Tensor): number {
  tf.dispose(f());
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = f();
    r.dataSync();
    ms.push(performance.now() - t0);
    r.dispose();
  }
  return median(ms);
}
const x = tf.randomNormal([700, 200]);
const w = tf.randomNormal([200, 10000]);
const g = tf.randomNormal([700, 10000]);
const u = tf.randomNormal([800, 200]);
const h = tf.randomNormal([200, 20]);
const dg = tf.randomNormal([800, 20]);
const cases: [string, () => tf.Tensor][] = [
  ["U h        [800,200]x[200,20]", () => tf.matMul(u, h)],
  ["U^T dg     [200,800]x[800,20]", () => tf.matMul(u, dg, true, false)],
  ["dg h^T     [800,20]x[20,200]", () => tf.matMul(dg, h, false, true)],
  ["x W        [700,200]x[200,10000]", () => tf.matMul(x, w)],
  ["g W^T      [700,10000]x[10000,200]", () => tf.matMul(g, w, false, true)],
  ["x^T g      [200,700]x[700,10000]", () => tf.matMul(x, g, true, false)],
];
for (const native of [false, true]) {
  setNativeBlas({ enabled: native });
  for (const [name, f] of cases) {
    const ms = time(f);
    const flop = name.includes("20]") ? 2 * 800 * 200 * 20 : 2 * 700 * 200 * 10000;
    console.log(`${native ? "openblas" : "wasm    "} ${name}: ${ms.toFixed(2)} ms, ${(flop / ms / 1e6).toFixed(1)} GFLOP/s`);
  }
}
