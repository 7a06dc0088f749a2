// Benchmark 1, training throughput: Unroll vs the PyTorch reference script (peer/word_lm.py) on
// the reference LM (2-layer, vocab 10k from WikiText-2, bptt 35, batch 20, SGD lr 20, clip 0.25)
// in several variants, both sides in this one run, each a separate process, back to back.
//
//   node benchmarks/run.mjs train [--quick] [--steps 20] [--reps 3] [--configs lstm,lstm-tied,gru,elman,lstm-650]
//                                 [--backends wasm,wasm-nonative,cpu] [--peer-threads default,2]
//
// tokens/s are medians over --reps repetitions of --steps steps, after 3 warm-up steps. The peer
// figure is PyTorch's best over the thread settings tried (its default and nproc, with passive
// OpenMP waiting for the latter); ratio = Unroll (wasm + OpenBLAS where built) / peer.
// Last line: one JSON object with every figure.
import { cpus } from "node:os";
import { join } from "node:path";
import { machine, median, parseArgs, PYTHON, round, runJson } from "./lib/common.js";

const args = parseArgs();
const quick = args.has("quick");
const steps = Number(args.get("steps") ?? (quick ? 8 : 20));
const reps = Number(args.get("reps") ?? (quick ? 2 : 3));
const CONFIGS: Record<string, { cell: "lstm" | "gru" | "elman"; hidden: number; tied: boolean; torch: string }> = {
  lstm: { cell: "lstm", hidden: 200, tied: false, torch: "LSTM" },
  "lstm-tied": { cell: "lstm", hidden: 200, tied: true, torch: "LSTM" },
  gru: { cell: "gru", hidden: 200, tied: false, torch: "GRU" },
  elman: { cell: "elman", hidden: 200, tied: false, torch: "RNN_TANH" },
  "lstm-650": { cell: "lstm", hidden: 650, tied: false, torch: "LSTM" },
};
const configs = (args.get("configs") ?? (quick ? "lstm,lstm-tied" : Object.keys(CONFIGS).join(","))).split(",");
// wasm without the addon and cpu (pure JS, ~40 tokens/s) only on the reference config; cpu with few steps
const backends = (args.get("backends") ?? (quick ? "wasm" : "wasm,wasm-nonative,cpu")).split(",");
const peerThreads = (args.get("peer-threads") ?? `default,${cpus().length}`).split(",");
const here = import.meta.dirname;
const tsx = join(here, "node_modules", ".bin", "tsx");

const before = machine();
console.log(`machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}; ${steps} steps x ${reps} reps`);
const rows: Record<string, unknown>[] = [];
for (const name of configs) {
  const c = CONFIGS[name];
  if (!c) throw new Error(`unknown config ${name}; have ${Object.keys(CONFIGS).join(", ")}`);
  const common = ["--cell", c.cell, "--hidden", String(c.hidden), ...(c.tied ? ["--tied"] : [])];
  const unroll: Record<string, number | string> = {};
  for (const b of backends) {
    if (b !== "wasm" && name !== "lstm") continue; // the slow paths only on the reference config
    const backend = b === "cpu" ? "cpu" : "wasm";
    const s = b === "cpu" ? Math.min(steps, 3) : steps;
    const r = b === "cpu" ? 1 : reps;
    try {
      const out = await runJson(tsx, [join(here, "unroll", "lm.ts"), "train", "--backend", backend, ...(b === "wasm-nonative" ? ["--native", "off"] : []), ...common, "--steps", String(s), "--reps", String(r), "--warmup", b === "cpu" ? "1" : "3"]);
      unroll[b] = round(out["tokensPerSecond"] as number);
      if (b === "wasm") unroll["matMul"] = out["matMul"] as string;
      console.log(`  ${name} unroll ${b}: ${unroll[b]} tokens/s (${String(out["matMul"])}; runs ${JSON.stringify(out["runs"])})`);
    } catch (e) {
      unroll[b] = `failed: ${String(e).slice(0, 200)}`;
      console.log(`  ${name} unroll ${b}: ${unroll[b]}`);
    }
  }
  const peer: Record<string, number> = {};
  for (const th of peerThreads) {
    const env = th === "default" ? process.env : { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? "PASSIVE" };
    const out = await runJson(PYTHON, [join(here, "peer", "word_lm.py"), "train", "--model", c.torch, "--nhid", String(c.hidden), ...(c.tied ? ["--tied"] : []), "--steps", String(steps), "--reps", String(reps), ...(th === "default" ? [] : ["--threads", th])], { env });
    peer[`threads${out["threads"]}`] = round(out["tokensPerSecond"] as number);
    console.log(`  ${name} pytorch ${th} threads (${String(out["threads"])}): ${round(out["tokensPerSecond"] as number)} tokens/s (runs ${JSON.stringify(out["runs"])})`);
  }
  const best = Math.max(...Object.values(peer));
  const ours = typeof unroll["wasm"] === "number" ? unroll["wasm"] : NaN;
  const row = { config: name, ...c, unroll, pytorch: peer, pytorchBest: best, ratio: round(ours / best, 2) };
  console.log(`  ${name}: ratio Unroll/PyTorch ${row.ratio}`);
  rows.push(row);
}
const after = machine();
const ratios = rows.map((r) => r["ratio"] as number);
console.log(JSON.stringify({ benchmark: "train", unit: "tokens/s", steps, reps, statistic: "median", machine: { ...before, loadAfter: after.load }, results: rows, ratio: round(median(ratios), 2), ratioMin: Math.min(...ratios) }));
