// Benchmark 6, model quality: every example trained as a user trains it (`unroll train
// examples/X.json`, the CLI, this machine's default backend), with the time it took and the test
// metric of its best validation, beside the published reference and, for the word language
// model, PyTorch's word_language_model schedule (peer/word_lm.py fit) on the same files and epochs.
//
//   node benchmarks/run.mjs quality [--quick] [--recipes word-lm,word-lm-tied,pos,ner,sst2,char]
//                                   [--vectors glove.6B.100d.txt] [--peer none] [--out FILE] [--database-url URL]
//
// --quick caps every run at a few steps (a smoke test of the recipes, not a measurement).
// --vectors adds an SST-2 run with those pretrained word vectors (GloVe / word2vec text format).
// Runs are tracked in a fresh embedded database in a temporary folder unless --database-url names
// one (migrated first). Writes its JSON to --out (default benchmarks/results/quality[-quick].json;
// with --recipes, only those rows of the file are replaced) and prints it as its last line.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { machine, parseArgs, PYTHON, round, runJson } from "./lib/common.js";
import { qualityTable } from "./lib/quality-table.js";
import { RECIPES, type Recipe } from "./lib/recipes.js";

const args = parseArgs();
const quick = args.has("quick");
const names = (args.get("recipes") ?? Object.keys(RECIPES).join(",")).split(",");
const vectors = args.get("vectors");
const withPeer = args.get("peer") !== "none";
const here = import.meta.dirname;
const root = join(here, "..");
const out = args.get("out") ?? join(here, "results", quick ? "quality-quick.json" : "quality.json");
const cli = join(root, "packages", "runner", "bin", "unroll.js");

const home = args.has("database-url") ? undefined : mkdtempSync(join(tmpdir(), "unroll-quality-"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...(home ? { UNROLL_HOME: home, DATABASE_URL: "" } : { DATABASE_URL: args.get("database-url") }),
};

/** Quick: a few steps each, validating twice, so every recipe's command is exercised end to end. */
const QUICK_SET = ["train.maxSteps=30", "train.evalEvery=15", "train.checkpointEvery=15"];

/** `unroll <args>`, its stderr echoed, its last stdout line parsed as JSON, with the wall time. */
async function unroll(cliArgs: string[]): Promise<{ result: Record<string, unknown>; seconds: number }> {
  const t0 = performance.now();
  const result = await runJson(process.execPath, [cli, ...cliArgs, "--json"], { env, cwd: root, echo: false });
  return { result, seconds: (performance.now() - t0) / 1000 };
}

function command(r: Recipe): string {
  return ["pnpm unroll train", `examples/${r.example}`, ...r.set.map((s) => `--set ${s}`)].join(" ");
}

async function runRecipe(name: string, r: Recipe): Promise<Record<string, unknown>> {
  const set = [...r.set, ...(quick ? QUICK_SET : [])];
  console.log(`${name}: ${command(r)}${quick ? " (quick)" : ""}`);
  const { result, seconds } = await unroll(["train", join("examples", r.example), ...set.flatMap((s) => ["--set", s]), "--experiment", "quality"]);
  const metrics = (result["metrics"] ?? {}) as Record<string, number>;
  const test = metrics[`test_${r.metric}`];
  const row: Record<string, unknown> = {
    recipe: name,
    command: command(r),
    status: result["status"],
    ...(result["error"] ? { error: result["error"] } : {}),
    seconds: round(seconds),
    steps: result["steps"],
    params: result["params"],
    backend: result["backend"],
    metric: r.metric,
    test: test ?? null,
    validBest: metrics[`best_valid_${r.metric}`] ?? null,
    bestStep: metrics["best_step"] ?? null,
    testOther: Object.fromEntries(Object.entries(metrics).filter(([k]) => k.startsWith("test_") && k !== `test_${r.metric}`)),
    reference: r.reference,
  };
  console.log(`  ${result["status"]}: test ${r.metric} ${fmt(test)} (best validation at step ${fmt(metrics["best_step"])}), ${round(seconds)} s`);
  if (r.sample && result["status"] === "COMPLETED") {
    const s = await unroll(["sample", String(result["runId"]), "--n", "5", "--seed", "1", "--max-length", "30"]);
    const texts = (s.result["samples"] ?? []) as string[];
    row["samples"] = texts;
    row["emptySamples"] = texts.filter((t) => t.trim() === "").length;
    console.log(`  samples from an empty prompt: ${texts.filter((t) => t.trim() === "").length} of ${texts.length} empty; first: ${JSON.stringify(texts[0])}`);
  }
  if (r.peer && withPeer) {
    const peerArgs = [join(here, "peer", "word_lm.py"), "fit", "--epochs", "1", ...(r.peer.tied ? ["--tied"] : []), ...(quick ? ["--max-steps", "30"] : [])];
    const t0 = performance.now();
    const peer = await runJson(PYTHON, peerArgs, { env: process.env });
    // seconds: the process's wall time, as Unroll's (data loading and evaluation included); trainSeconds: its own training loop
    row["peer"] = { name: "pytorch word_language_model schedule", ...peer, trainSeconds: peer["seconds"], seconds: round((performance.now() - t0) / 1000) };
    const p = peer["testPerplexity"] as number;
    row["ratioToPeer"] = test && p ? round(test / p, 3) : null;
    console.log(
      `  PyTorch: test perplexity ${fmt(p)} (valid ${fmt(peer["validPerplexity"])}), ${round((performance.now() - t0) / 1000)} s; Unroll / PyTorch ${fmt(row["ratioToPeer"])}`,
    );
  }
  return row;
}

function fmt(x: unknown): string {
  return typeof x === "number" ? String(round(x, x < 10 ? 4 : 1)) : "-";
}

async function migrate(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "db", "migrate"], { env, cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`unroll db migrate exited ${code}`))));
  });
}

const before = machine();
console.log(`machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}${quick ? "; quick" : ""}`);
const recipes: [string, Recipe][] = names.map((n) => {
  const r = RECIPES[n];
  if (!r) throw new Error(`unknown recipe ${n}; have ${Object.keys(RECIPES).join(", ")}`);
  return [n, r];
});
if (vectors) recipes.push(["sst2-vectors", { ...RECIPES["sst2"]!, set: [...RECIPES["sst2"]!.set, `data.vectors=${vectors}`] }]);
const rows: Record<string, unknown>[] = [];
try {
  await migrate();
  for (const [name, r] of recipes) {
    try {
      rows.push(await runRecipe(name, r));
    } catch (e) {
      console.log(`  ${name} failed: ${String(e).slice(0, 400)}`);
      rows.push({ recipe: name, command: command(r), status: "FAILED", error: String(e).slice(0, 400) });
    }
  }
} finally {
  if (home) rmSync(home, { recursive: true, force: true });
}
const run = { machine: { ...before, loadAfter: machine().load }, at: new Date().toISOString() };
// A run of some recipes replaces those rows in an existing file and keeps the others (each row
// carries the machine and time it was measured at).
const kept = args.has("recipes") && existsSync(out) ? ((JSON.parse(readFileSync(out, "utf8")) as { results?: Record<string, unknown>[] }).results ?? []) : [];
const fresh: Record<string, unknown>[] = rows.map((r) => ({ ...r, ...run }));
const merged = [...kept.filter((k) => !fresh.some((r) => r["recipe"] === k["recipe"])), ...fresh];
const order = (r: Record<string, unknown>) => Object.keys(RECIPES).indexOf(String(r["recipe"]).replace(/-vectors$/, ""));
const result = { benchmark: "quality", quick, ...run, results: merged.sort((a, b) => order(a) - order(b)) };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(`\n${qualityTable(result.results)}\n`);
console.log(`wrote ${out}`);
console.log(JSON.stringify(result));
if (rows.some((r) => r["status"] !== "COMPLETED")) process.exitCode = 1;
