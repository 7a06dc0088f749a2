// The effect of each optimisation step on a training step of the reference LM (2-layer LSTM 200,
// vocab 10k, bptt 35, batch 20, SGD lr 20, clip 0.25; synthetic tokens) on wasm, in one process:
// the kernel sets are swapped between measurements, in rounds (A B C ... A B C ...) so that a
// change in the machine's load hits every variant alike. Medians over the rounds.
//
//   npx tsx scripts/bench-steps.ts [--rounds=5] [--steps=5] [--tied] [--blas-threads=N] [--order=wasm-first]
import * as tf from "@tensorflow/tfjs-core";
import { loadavg } from "node:os";
import { initBackend } from "../src/backend.js";
import { setNativeBlas, unregisterFastKernels } from "../src/kernels/index.js";
import { installKernels, type KernelOverride } from "../src/kernels/registry.js";
import { matMulOverrides } from "../src/kernels/matmul.js";
import { sliceOverrides } from "../src/kernels/slice.js";
import { wasmSegmentSumOverrides } from "../src/kernels/segment-sum.js";
import { wasmSoftmaxCrossEntropyGradOverrides } from "../src/kernels/softmax-ce-grad.js";
import { identityOverrides } from "../src/kernels/identity.js";
import { wasmLstmCellOverrides } from "../src/kernels/lstm-cell.js";
import { wasmSoftmaxCrossEntropyOverrides } from "../src/kernels/softmax-ce.js";
import { wasmSumOverrides } from "../src/kernels/sum.js";
import { wasmGatherOverrides } from "../src/kernels/gather.js";
import { wasmRnnSequenceOverrides } from "../src/kernels/rnn-sequence.js";
import { wasmOptimizerUpdateOverrides } from "../src/kernels/optimizer-update.js";
import { LanguageModel } from "../src/models/language-model.js";
import { Rng } from "../src/random.js";
import { LMTask } from "../src/train/lm-task.js";
import { gradientScale, SGD } from "../src/train/optimizers.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string | undefined]));
const rounds = Number(args.get("rounds") ?? 5);
const steps = Number(args.get("steps") ?? 5);
await initBackend({ backend: "wasm" });
if (args.has("blas-threads")) setNativeBlas({ threads: Number(args.get("blas-threads")) });

const before: KernelOverride[] = [...matMulOverrides, ...sliceOverrides, ...wasmSegmentSumOverrides, ...wasmSoftmaxCrossEntropyGradOverrides];
const fused = [...wasmSoftmaxCrossEntropyOverrides, ...wasmSumOverrides, ...wasmGatherOverrides];
// --order=wasm-first: the wasm-only steps, then the addon; default: the addon first (it is most
// of the gain), then each kernel on top of it
const variants: { name: string; kernels: KernelOverride[]; native: boolean }[] =
  args.get("order") === "wasm-first"
    ? [
        { name: "0 before (transposed matMul, slices, segment sum, CE gradient)", kernels: before, native: false },
        { name: "1 + Identity/Cast share data (no copy per saved tensor)", kernels: [...before, ...identityOverrides], native: false },
        { name: "2 + fused LSTM cell forward/backward (JS)", kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides], native: false },
        {
          name: "3 + one-pass softmax-CE forward, leading-axis Sum, row Gather",
          kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides, ...fused],
          native: false,
        },
        {
          name: "4 + OpenBLAS addon (sgemm and the fused loops in C)",
          kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides, ...fused],
          native: true,
        },
      ]
    : [
        { name: "0 before (transposed matMul, slices, segment sum, CE gradient)", kernels: before, native: false },
        { name: "1 + OpenBLAS sgemm on the wasm heap (CE gradient in C)", kernels: before, native: true },
        { name: "2 + Identity/Cast share data (no copy per saved tensor)", kernels: [...before, ...identityOverrides], native: true },
        { name: "3 + fused LSTM cell forward/backward (C)", kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides], native: true },
        {
          name: "4 + one-pass softmax-CE forward (C), leading-axis Sum, row Gather",
          kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides, ...fused],
          native: true,
        },
        {
          name: "5 + each LSTM layer as one kernel over all time steps (C)",
          kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides, ...fused, ...wasmRnnSequenceOverrides],
          native: true,
        },
        {
          name: "6 + clip and SGD as two fused passes (C, OpenMP)",
          kernels: [...before, ...identityOverrides, ...wasmLstmCellOverrides, ...fused, ...wasmRnnSequenceOverrides, ...wasmOptimizerUpdateOverrides],
          native: true,
        },
      ];

const V = 10_000;
const rng = new Rng(1);
const tokens = Int32Array.from({ length: 20 * 35 * 50 }, () => rng.int(V));
const model = new LanguageModel({ vocabSize: V, cell: "lstm", embeddingSize: 200, hiddenSize: 200, layers: 2, dropout: 0.2, tied: args.has("tied") }, 1);
const task = new LMTask(model, { train: tokens }, { batchSize: 20, bptt: 35 });
const names = new Map(task.params.entries().map(([name, v]) => [v.name, name]));
const sgd = new SGD(20);
let index = 0;
function step(): void {
  const { value, grads } = tf.variableGrads(() => task.loss(index++ % 45, rng), task.params.variables());
  value.dataSync();
  const named = new Map(Object.entries(grads).map(([k, g]) => [names.get(k) ?? k, g]));
  sgd.apply(task.params, named, gradientScale(named, 0.25).scale); // as the trainer does
  tf.dispose([value, ...Object.values(grads)]);
  task.endStep(true);
}

const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const loads: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    unregisterFastKernels("wasm");
    installKernels("wasm", v.kernels);
    setNativeBlas({ enabled: v.native });
    step(); // warm-up in this configuration
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) step();
    rates.get(v.name)!.push((steps * 700) / ((performance.now() - t0) / 1000));
  }
  loads.push(loadavg()[0]!);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`reference LM${args.has("tied") ? " (tied)" : ""}, ${rounds} rounds x ${steps} steps, 1-min load ${loads.map((l) => l.toFixed(1)).join(" ")}`);
let prev = 0;
const out: Record<string, number> = {};
for (const v of variants) {
  const m = median(rates.get(v.name)!);
  console.log(`  ${v.name.padEnd(66)} ${m.toFixed(0).padStart(6)} tokens/s${prev ? `  x${(m / prev).toFixed(2)}` : ""}`);
  out[v.name] = Math.round(m);
  prev = m;
}
console.log(JSON.stringify({ rounds, steps, tied: args.has("tied"), tokensPerSecond: out }));
task.dispose();
model.dispose();
