// Benchmark 3, metric ingestion: points per second through @unroll/db's writeMetricPoints (what
// the runner's PostgresSink calls for every RunLogger flush) into (1) the real Postgres at
// TEST_DATABASE_URL (default 127.0.0.1:5432; a scratch database, dropped afterwards) and (2) the
// embedded PGlite (a temp dir, served on a free port), plus the logging cost as a share of a
// training step of the reference LM.
//
//   node benchmarks/run.mjs ingest [--quick] [--points 200000] [--reps 3] [--targets postgres,embedded]
//                                  [--per-step 12] [--step-ms <measured>]
//
// Figures are medians over --reps writes of --points fresh points each (new keys each time, so
// every row is an insert). Logging share = (time to write one step's points) / (one training step),
// an upper bound: the runner's logger writes asynchronously, once a second. No peer here: `target`
// compares with the goals (100k points/s; < 2 % of a step). Last line: one JSON object.
import { join } from "node:path";
import { writeMetricPoints, type MetricPointInput } from "@unroll/db";
import { createTestDatabase, postgresReachable, type TestTarget } from "@unroll/db/testing";
import { machine, median, parseArgs, round, runJson } from "./lib/common.js";

const args = parseArgs();
const quick = args.has("quick");
const points = Number(args.get("points") ?? (quick ? 50_000 : 200_000));
const reps = Number(args.get("reps") ?? 3);
const perStep = Number(args.get("per-step") ?? 12); // train/loss, lr, tokens/s, epoch, tokens, grad norm, sys/* (~6)
const targets = (args.get("targets") ?? "postgres,embedded").split(",") as TestTarget[];
const here = import.meta.dirname;

function makePoints(runId: string, rep: number, n: number): MetricPointInput[] {
  const keys = [
    "train/loss",
    "train/lr",
    "train/tokens_per_second",
    "train/epoch",
    "train/tokens",
    "train/grad_norm",
    "sys/rss",
    "sys/heap",
    "sys/tensors",
    "sys/cpu",
    "sys/load",
    "valid/loss",
  ];
  const out: MetricPointInput[] = new Array(n);
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const k = i % keys.length;
    out[i] = { runId, key: `${keys[k]}#${rep}`, step: Math.floor(i / keys.length), value: Math.sin(i) * 3 + 5, wallTime: t0 + i };
  }
  return out;
}

const before = machine();
console.log(`machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}; ${points} points x ${reps} reps`);

// one training step of the reference LM on this machine now (unless given)
let stepMs = Number(args.get("step-ms") ?? NaN);
if (!Number.isFinite(stepMs)) {
  const tsx = join(here, "node_modules", ".bin", "tsx");
  const out = await runJson(tsx, [join(here, "unroll", "lm.ts"), "train", "--backend", "wasm", "--steps", quick ? "5" : "10", "--reps", "1"]);
  stepMs = (20 * 35 * 1000) / (out["tokensPerSecond"] as number);
  console.log(`reference LM step: ${round(stepMs)} ms (${round(out["tokensPerSecond"] as number)} tokens/s, ${String(out["matMul"])})`);
}

const rows: Record<string, unknown>[] = [];
for (const target of targets) {
  if (target === "postgres" && !(await postgresReachable())) {
    rows.push({ target, skipped: "no Postgres at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)" });
    continue;
  }
  const t = await createTestDatabase(target);
  try {
    const exp = await t.db.prisma.experiment.create({ data: { name: `bench-ingest-${Date.now()}` } });
    const run = await t.db.prisma.run.create({ data: { experimentId: exp.id, name: "ingest", config: {} } });
    // as the logger writes (chunks of METRIC_CHUNK_SIZE; a write this big goes over 2 connections,
    // each with its own series), and variants: one connection, bigger chunks
    const variants: Record<string, { chunkSize?: number; parallel?: number }> = {
      writeMetricPoints: {},
      "1 connection": { parallel: 1 },
      "chunk 20k": { chunkSize: 20_000 },
    };
    const byVariant: Record<string, number> = {};
    let rates: number[] = [];
    let rep = 0;
    for (const [name, v] of Object.entries(variants)) {
      const rs: number[] = [];
      for (let r = 0; r <= reps; r++) {
        const batch = makePoints(run.id, rep++, points);
        const t0 = performance.now();
        const inserted = await writeMetricPoints(t.db.pool, batch, v);
        const s = (performance.now() - t0) / 1000;
        if (inserted !== points) throw new Error(`inserted ${inserted} of ${points}`);
        if (r > 0) rs.push(points / s); // the first is warm-up
      }
      byVariant[name] = Math.round(median(rs));
      if (name === "writeMetricPoints") rates = rs;
      if (quick) break;
    }
    // one step's points, written alone (what a flush after one step would cost): the same series
    // each time, at the next step, as a running job logs them (the writer knows their ids by then)
    const small: number[] = [];
    for (let r = 0; r < 21; r++) {
      const batch = makePoints(run.id, 1000, perStep).map((p) => ({ ...p, step: r }));
      const t0 = performance.now();
      await writeMetricPoints(t.db.pool, batch);
      if (r > 0) small.push(performance.now() - t0); // the first creates the series
    }
    const pps = median(rates);
    const perStepMs = (perStep / pps) * 1000;
    const row = {
      target,
      pointsPerSecond: Math.round(pps),
      runs: rates.map(Math.round),
      loggingShareOfStep: round((100 * perStepMs) / stepMs, 3), // %, bulk rate (flushes of ~1 s of points)
      flushOfOneStepMs: round(median(small), 2), // latency of a write of one step's points alone
      targetRatio: round(pps / 100_000, 2),
      variants: byVariant,
    };
    console.log(
      `  ${target}: ${row.pointsPerSecond} points/s (runs ${JSON.stringify(row.runs)}); logging ${perStep} points/step = ${row.loggingShareOfStep} % of a ${round(stepMs)} ms step; one step's points alone: ${row.flushOfOneStepMs} ms; variants ${JSON.stringify(byVariant)}`,
    );
    rows.push(row);
  } finally {
    await t.close();
  }
}
console.log(
  JSON.stringify({
    benchmark: "ingest",
    unit: "points/s",
    points,
    reps,
    statistic: "median",
    perStep,
    stepMs: round(stepMs),
    machine: { ...before, loadAfter: machine().load },
    results: rows,
  }),
);
