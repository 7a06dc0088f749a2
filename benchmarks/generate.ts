// Benchmark 2, generation latency: 200 tokens, batch 1, sampling at temperature 1 from an
// untrained reference LM (speed does not depend on the weights), Unroll vs PyTorch (peer/word_lm.py,
// word_language_model's generate.py loop), in one run.
//
//   node benchmarks/run.mjs generate [--quick] [--tokens 200] [--reps 5] [--configs lstm,lstm-tied]
//                                    [--backend wasm|webgpu] [--peer-device cpu|cuda]
//
// On a GPU machine: --backend webgpu --peer-device cuda (benchmarks/gpu-check does the same on a bare one).
//
// ms are medians over --reps runs after one warm-up run; ratio = Unroll ms / PyTorch ms (lower is
// better for Unroll). Last line: one JSON object.
import { join } from "node:path";
import { machine, median, parseArgs, PYTHON, round, runJson } from "./lib/common.js";

const args = parseArgs();
const quick = args.has("quick");
const tokens = Number(args.get("tokens") ?? 200);
const reps = Number(args.get("reps") ?? (quick ? 3 : 5));
const configs = (args.get("configs") ?? "lstm,lstm-tied").split(",");
const backend = args.get("backend") ?? "wasm";
if (backend !== "wasm" && backend !== "webgpu") throw new Error(`--backend: expected wasm or webgpu; got ${backend}`);
const peerDevice = args.get("peer-device") ?? "cpu";
if (peerDevice !== "cpu" && peerDevice !== "cuda") throw new Error(`--peer-device: expected cpu or cuda; got ${peerDevice}`);
const here = import.meta.dirname;
const tsx = join(here, "node_modules", ".bin", "tsx");

const before = machine();
console.log(`machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}; ${tokens} tokens x ${reps} reps`);
const rows: Record<string, unknown>[] = [];
for (const name of configs) {
  const tied = name.endsWith("-tied");
  const u = await runJson(tsx, [
    join(here, "unroll", "lm.ts"),
    "generate",
    "--backend",
    backend,
    "--cell",
    "lstm",
    "--hidden",
    "200",
    ...(tied ? ["--tied"] : []),
    "--tokens",
    String(tokens),
    "--reps",
    String(reps),
  ]);
  // the peer gets the OpenBLAS kernels Unroll's addon chose (see train.ts)
  const coreType = process.env.OPENBLAS_CORETYPE ?? (typeof u["openblasCoreType"] === "string" ? u["openblasCoreType"] : undefined);
  const env = { ...process.env, ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}) };
  const p = await runJson(
    PYTHON,
    [
      join(here, "peer", "word_lm.py"),
      "generate",
      "--model",
      "LSTM",
      "--nhid",
      "200",
      ...(tied ? ["--tied"] : []),
      "--tokens",
      String(tokens),
      "--reps",
      String(reps),
      "--device",
      peerDevice,
    ],
    { env },
  );
  const row = {
    config: name,
    backend,
    peerDevice,
    unrollMs: round(u["ms"] as number),
    pytorchMs: round(p["ms"] as number),
    unrollRuns: u["runs"],
    pytorchRuns: p["runs"],
    matMul: u["matMul"],
    openblasCoreType: coreType ?? null,
    pytorchThreads: p["threads"],
    ratio: round((u["ms"] as number) / (p["ms"] as number), 2),
  };
  console.log(`  ${name}: Unroll ${row.unrollMs} ms, PyTorch ${row.pytorchMs} ms for ${tokens} tokens; ratio ${row.ratio}`);
  rows.push(row);
}
console.log(
  JSON.stringify({
    benchmark: "generate",
    unit: "ms per 200 tokens",
    tokens,
    reps,
    statistic: "median",
    machine: { ...before, loadAfter: machine().load },
    results: rows,
    ratio: round(median(rows.map((r) => r["ratio"] as number)), 2),
  }),
);
