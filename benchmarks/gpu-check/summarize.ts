// The GPU check's last step: reads the step records run.sh wrote into the output folder and puts
// the figures side by side (tokens/s: webgpu, wasm, PyTorch; generation ms), with the issue's
// targets (webgpu >= 1.0x PyTorch + cuDNN and >= 10x Unroll's CPU path; generation <= PyTorch).
//
//   node summarize.mjs <out-dir>      writes <out-dir>/summary.json; prints a Markdown table and,
//                                     last, the summary as one JSON line
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { round } from "../lib/common.js";

/** What run.sh writes per step: <out>/<step>.json. */
interface StepRecord {
  step: string;
  ok: boolean;
  status: "ok" | "failed" | "timeout" | "skipped";
  seconds: number;
  result: Record<string, unknown> | null;
  error?: string;
  /** The error's line (run.sh picks it from stderr). */
  message?: string;
}

const out = process.argv[2];
if (!out) throw new Error("usage: node summarize.mjs <out-dir>");
const records = new Map<string, StepRecord>();
for (const f of readdirSync(out).filter((f) => f.endsWith(".json") && f !== "summary.json" && f !== "env.json")) {
  const r = JSON.parse(readFileSync(join(out, f), "utf8")) as StepRecord;
  if (typeof r.step === "string") records.set(r.step, r);
}

/** A number from a step's result, or the step's status ("timeout", "failed", "skipped", "missing"). */
function figure(step: string, key: string): number | string {
  const r = records.get(step);
  if (!r) return "missing";
  const v = r.result?.[key];
  return r.ok && typeof v === "number" ? round(v) : r.status === "ok" ? "no figure" : r.status;
}
const ratio = (a: number | string, b: number | string): number | null => (typeof a === "number" && typeof b === "number" && b > 0 ? round(a / b, 2) : null);

const train: Record<string, unknown>[] = [];
const gen: Record<string, unknown>[] = [];
// configs in run.sh's order, batches ascending
const order = (name: string) => ["lstm", "lstm-tied", "lstm-650"].indexOf(/^(?:train|generate)-(.+?)(?:-b\d+)?-(?:webgpu|wasm|pytorch)$/.exec(name)?.[1] ?? "");
const batchOf = (name: string) => Number(/-b(\d+)-/.exec(name)?.[1] ?? 0);
const names = [...records.keys()].sort((a, b) => order(a) - order(b) || batchOf(a) - batchOf(b) || a.localeCompare(b));
for (const name of names) {
  const m = /^train-(.+)-b(\d+)-webgpu$/.exec(name);
  if (m) {
    const [config, batch] = [m[1]!, Number(m[2])];
    const key = `train-${config}-b${batch}`;
    const webgpu = figure(`${key}-webgpu`, "tokensPerSecond");
    const wasm = figure(`${key}-wasm`, "tokensPerSecond");
    const pytorch = figure(`${key}-pytorch`, "tokensPerSecond");
    train.push({ config, batch, webgpu, wasm, pytorch, webgpuOverPytorch: ratio(webgpu, pytorch), webgpuOverWasm: ratio(webgpu, wasm) });
  }
  const g = /^generate-(.+)-webgpu$/.exec(name);
  if (g) {
    const webgpu = figure(name, "ms");
    const pytorch = figure(`generate-${g[1]}-pytorch`, "ms");
    gen.push({ config: g[1], webgpuMs: webgpu, pytorchMs: pytorch, webgpuOverPytorch: ratio(webgpu, pytorch) });
  }
}
const probe = records.get("probe")?.result ?? null;
const check = records.get("webgpu-check");
const summary = {
  adapter: probe?.["device"] ?? records.get("probe")?.message ?? null,
  msPerDispatch: probe?.["msPerDispatch"] ?? null,
  webgpuCheck: check ? { status: check.status, agree: check.ok, results: check.result?.["results"] ?? null, error: check.message } : null,
  train,
  generate: gen,
  steps: Object.fromEntries([...records].map(([k, r]) => [k, `${r.status} ${r.seconds}s`])),
};
writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);

console.log(`adapter: ${String(summary.adapter)}; ${String(summary.msPerDispatch)} ms per dispatch`);
console.log("| config | batch | webgpu tok/s | wasm tok/s | PyTorch tok/s | webgpu / PyTorch | webgpu / wasm |");
console.log("|---|---|---|---|---|---|---|");
for (const r of train) {
  console.log(`| ${[r["config"], r["batch"], r["webgpu"], r["wasm"], r["pytorch"], r["webgpuOverPytorch"], r["webgpuOverWasm"]].map(String).join(" | ")} |`);
}
// one training step's kernels on webgpu (webgpu-check's profile): where the GPU time goes
type Profile = { timed: boolean; dispatches: number; kernelMs: number; programs: { program: string; dispatches: number; ms: number }[] } | { error: string };
const checked = (check?.result?.["results"] ?? {}) as Record<string, { webgpu?: { profile?: Profile; tokensPerSecond?: number; msPerStep?: number } }>;
for (const [name, r] of Object.entries(checked)) {
  const p = r.webgpu?.profile;
  if (!p) continue;
  if ("error" in p) {
    console.log(`${name}: kernel profile failed: ${p.error}`);
    continue;
  }
  const wall = r.webgpu?.msPerStep;
  // GPU time well under the wall time: the host (tfjs's per-dispatch work, Dawn's calls) is the limit, not the kernels
  const busy = p.timed && wall ? `, the GPU busy ${round((100 * p.kernelMs) / wall)} % of a step's ${wall} ms` : wall ? ` (a step takes ${wall} ms)` : "";
  console.log(`${name}, one step on webgpu: ${p.dispatches} dispatches, ${p.timed ? `${p.kernelMs} ms of GPU time` : "untimed (no timestamp-query)"}${busy}`);
  console.log("| program | dispatches | GPU ms | ms per dispatch |");
  console.log("|---|---|---|---|");
  for (const x of p.programs) console.log(`| ${x.program} | ${x.dispatches} | ${x.ms} | ${round(x.ms / x.dispatches, 4)} |`);
}
console.log("| generate | webgpu ms / 200 tokens | PyTorch ms | webgpu / PyTorch |");
console.log("|---|---|---|---|");
for (const r of gen) console.log(`| ${[r["config"], r["webgpuMs"], r["pytorchMs"], r["webgpuOverPytorch"]].map(String).join(" | ")} |`);
console.log(JSON.stringify(summary));
