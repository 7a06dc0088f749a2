// Benchmark 1, training throughput: Unroll vs the PyTorch reference script (peer/word_lm.py) on
// the reference LM (2-layer, vocab 10k from WikiText-2, bptt 35, batch 20, SGD lr 20, clip 0.25)
// in several variants, both sides in this one run, each a separate process, back to back.
//
//   node benchmarks/run.mjs train [--quick] [--steps 20] [--reps 3] [--rounds 2] [--configs lstm,lstm-tied,gru,elman,lstm-650]
//                                 [--backends wasm,wasm-1thread,wasm-nonative,cpu,webgpu] [--peer-threads default,2|none]
//                                 [--peer-device cpu|cuda] [--batch 20]
//
// On a GPU machine: --backends wasm,webgpu --peer-device cuda (PyTorch's nn.LSTM on cuDNN, as its
// users run it) puts webgpu beside cuDNN and beside Unroll's own CPU path; benchmarks/gpu-check
// does the same on a bare machine. webgpu runs every config and round, as wasm does.
//
// tokens/s are medians over --rounds x --reps repetitions of --steps steps (each process after 3
// warm-up steps; rounds alternate which side runs first). The peer
// figure is PyTorch's best over the thread settings tried (its default, 1 here, and nproc, with
// the user's own environment); Unroll's is its best over OpenBLAS threads (default nproc, and 1):
// ratio = Unroll best / PyTorch best; ratioSameThreads compares 1 with 1 and nproc with nproc.
// --peer-threads none runs Unroll alone (a machine without PyTorch; the ratios are then null).
// Last line: one JSON object with every figure.
import { cpus } from "node:os";
import { join } from "node:path";
import { machine, median, parseArgs, PYTHON, round, runJson } from "./lib/common.js";

const args = parseArgs();
const quick = args.has("quick");
const steps = Number(args.get("steps") ?? (quick ? 8 : 20));
const reps = Number(args.get("reps") ?? (quick ? 2 : 3));
const rounds = Number(args.get("rounds") ?? (quick ? 1 : 2));
const round1 = (x: unknown) => round(x as number);
const CONFIGS: Record<string, { cell: "lstm" | "gru" | "elman"; hidden: number; tied: boolean; torch: string }> = {
  lstm: { cell: "lstm", hidden: 200, tied: false, torch: "LSTM" },
  "lstm-tied": { cell: "lstm", hidden: 200, tied: true, torch: "LSTM" },
  gru: { cell: "gru", hidden: 200, tied: false, torch: "GRU" },
  elman: { cell: "elman", hidden: 200, tied: false, torch: "RNN_TANH" },
  "lstm-650": { cell: "lstm", hidden: 650, tied: false, torch: "LSTM" },
};
const configs = (args.get("configs") ?? (quick ? "lstm,lstm-tied" : Object.keys(CONFIGS).join(","))).split(",");
// wasm without the addon and cpu (pure JS, ~40 tokens/s) only on the reference config; cpu with few steps
// wasm = wasm + OpenBLAS at its default threads (nproc); wasm-1thread = the same with one BLAS
// thread (on a loaded machine a 2-thread product waits for its slowest thread)
const backends = (args.get("backends") ?? (quick ? "wasm,wasm-1thread" : "wasm,wasm-1thread,wasm-nonative,cpu")).split(",");
const peerThreads = (args.get("peer-threads") ?? `default,${cpus().length}`).split(",").filter((t) => t !== "none");
const peerDevice = args.get("peer-device") ?? "cpu";
if (peerDevice !== "cpu" && peerDevice !== "cuda") throw new Error(`--peer-device: expected cpu or cuda; got ${peerDevice}`);
const batch = String(Number(args.get("batch") ?? 20));
/** Backends that run every config and round (the slow paths run once, on the reference config). */
const MAIN_BACKENDS = ["wasm", "wasm-1thread", "webgpu"];
const here = import.meta.dirname;
const tsx = join(here, "node_modules", ".bin", "tsx");

/** OPENBLAS_CORETYPE that Unroll's addon ran with (the peer gets the same kernels). */
let coreType: string | undefined = process.env.OPENBLAS_CORETYPE;
const before = machine();
console.log(`machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}; ${steps} steps x ${reps} reps x ${rounds} rounds`);
const rows: Record<string, unknown>[] = [];
for (const name of configs) {
  const c = CONFIGS[name];
  if (!c) throw new Error(`unknown config ${name}; have ${Object.keys(CONFIGS).join(", ")}`);
  const common = ["--cell", c.cell, "--hidden", String(c.hidden), ...(c.tied ? ["--tied"] : [])];
  // rounds alternate which side goes first (U P, P U, ...): a burst of load on this shared
  // machine then hits both sides alike; figures are medians over all reps of all rounds
  const unrollRuns: Record<string, number[]> = {};
  const peerRuns: Record<string, number[]> = {};
  const unroll: Record<string, number | string> = {};
  const runUnroll = async (rnd: number) => {
    for (const b of backends) {
      if (!MAIN_BACKENDS.includes(b) && (name !== "lstm" || rnd > 0)) continue; // the slow paths once, on the reference config
      const backend = b === "cpu" ? "cpu" : b === "webgpu" ? "webgpu" : "wasm";
      const s = b === "cpu" ? Math.min(steps, 3) : steps;
      const r = b === "cpu" ? 1 : reps;
      try {
        const out = await runJson(tsx, [
          join(here, "unroll", "lm.ts"),
          "train",
          "--backend",
          backend,
          ...(b === "wasm-nonative" ? ["--native", "off"] : []),
          ...(b === "wasm-1thread" ? ["--blas-threads", "1"] : []),
          ...common,
          "--batch",
          batch,
          "--steps",
          String(s),
          "--reps",
          String(r),
          "--warmup",
          b === "cpu" ? "1" : "3",
        ]);
        (unrollRuns[b] ??= []).push(...(out["runs"] as number[]));
        if (typeof out["openblasCoreType"] === "string") coreType = out["openblasCoreType"];
        console.log(`  ${name} unroll ${b}: ${round1(out["tokensPerSecond"])} tokens/s (${String(out["matMul"])}; runs ${JSON.stringify(out["runs"])})`);
      } catch (e) {
        unroll[b] = `failed: ${String(e).slice(0, 200)}`;
        console.log(`  ${name} unroll ${b}: ${unroll[b]}`);
      }
    }
  };
  const runPeer = async () => {
    for (const th of peerThreads) {
      // The peer runs as a PyTorch user runs it: no OMP_WAIT_POLICY of ours (PASSIVE made PyTorch
      // 25 % slower on 2 threads here: 4,208 -> 3,124 tokens/s). It gets the OpenBLAS kernels
      // Unroll's addon chose (OPENBLAS_CORETYPE): where OpenBLAS does not recognise the CPU it
      // falls back to slow SSE3 kernels, for PyTorch too (2,139 vs 4,273 tokens/s on RESULTS.md's machine).
      const env = { ...process.env, ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}) };
      const out = await runJson(
        PYTHON,
        [
          join(here, "peer", "word_lm.py"),
          "train",
          "--model",
          c.torch,
          "--nhid",
          String(c.hidden),
          ...(c.tied ? ["--tied"] : []),
          "--steps",
          String(steps),
          "--reps",
          String(reps),
          "--batch",
          batch,
          "--device",
          peerDevice,
          ...(th === "default" ? [] : ["--threads", th]),
        ],
        { env },
      );
      (peerRuns[`threads${out["threads"]}`] ??= []).push(...(out["runs"] as number[]));
      console.log(
        `  ${name} pytorch ${th} threads (${String(out["threads"])}): ${round1(out["tokensPerSecond"])} tokens/s (runs ${JSON.stringify(out["runs"])})`,
      );
    }
  };
  for (let k = 0; k < rounds; k++) {
    if (k % 2 === 0) {
      await runUnroll(k);
      await runPeer();
    } else {
      await runPeer();
      await runUnroll(k);
    }
  }
  for (const [b, rs] of Object.entries(unrollRuns)) unroll[b] = round(median(rs));
  const peer: Record<string, number> = {};
  for (const [k, rs] of Object.entries(peerRuns)) peer[k] = round(median(rs));
  const best = peerThreads.length > 0 ? Math.max(...Object.values(peer)) : null;
  const ours = Math.max(...MAIN_BACKENDS.map((b) => unroll[b]).filter((x): x is number => typeof x === "number"));
  const sameThreads = {
    "1": typeof unroll["wasm-1thread"] === "number" && peer["threads1"] ? round((unroll["wasm-1thread"] as number) / peer["threads1"], 2) : null,
    [String(cpus().length)]:
      typeof unroll["wasm"] === "number" && peer[`threads${cpus().length}`] ? round((unroll["wasm"] as number) / peer[`threads${cpus().length}`]!, 2) : null,
  };
  // ratio: Unroll's best setting over PyTorch's best setting; ratioSameThreads: at equal thread counts
  const row = {
    config: name,
    ...c,
    batch: Number(batch),
    peerDevice,
    openblasCoreType: coreType ?? null,
    unroll,
    pytorch: peer,
    unrollBest: ours,
    pytorchBest: best,
    ratio: best ? round(ours / best, 2) : null,
    ratioSameThreads: sameThreads,
  };
  console.log(`  ${name}: Unroll best ${ours}, PyTorch best ${best} tokens/s; ratio ${row.ratio} (same threads: ${JSON.stringify(sameThreads)})`);
  rows.push(row);
}
const after = machine();
const ratios = rows.map((r) => r["ratio"]).filter((r): r is number => typeof r === "number");
console.log(
  JSON.stringify({
    benchmark: "train",
    unit: "tokens/s",
    steps,
    reps,
    rounds,
    statistic: "median",
    machine: { ...before, loadAfter: after.load },
    results: rows,
    ratio: ratios.length ? round(median(ratios), 2) : null,
    ratioMin: ratios.length ? Math.min(...ratios) : null,
  }),
);
