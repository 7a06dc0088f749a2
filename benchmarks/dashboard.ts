// Benchmark 4, dashboard data: 20 runs x 100k points in one series each (train/loss, plus the
// train/epoch and train/tokens series the chart's other x-axes read), seeded into a scratch
// database on the real Postgres; then what the compare page (apps/web compare-page.tsx) asks the
// api for: run.list, compare.runs, metrics.keys and metrics.series (maxPoints 800), called through
// the api's tRPC caller in-process. Response time (median over --reps) and payload size (JSON).
// Then, unless --no-browser, the time until the compare chart is drawn in headless Chromium: the
// production build of apps/web served against the same database, the compare page of all the
// runs loaded once cold and --reps times warm (lib/render.ts; screenshot of the chart in
// apps/web/test-results/screenshots/bench-compare.png).
//
//   node benchmarks/run.mjs dashboard [--quick] [--runs 20] [--points 100000] [--reps 5] [--no-browser]
//   node benchmarks/run.mjs dashboard --runs10k [--runs 10000] [--loss-points 200] [--valid-points 20] [--reps 2] [--live-seconds 20]
//
// No peer. Last line: one JSON object; `targetRatio` = compare-page data time / 300 ms,
// `render.targetRatio` = warm chart-drawn time / 300 ms. With --runs10k, the 10,000-runs mode
// instead (lib/runs10k.ts): its last line carries `runs10k: { runsPageMs, searchSettledMs,
// compare500Ms, tying2000Ms, liveCpuPercent, ... }`.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCaller, createTRPCContext } from "@unroll/api";
import { writeMetricPoints, type MetricPointInput } from "@unroll/db";
import { createTestDatabase, postgresReachable } from "@unroll/db/testing";
import { machine, median, parseArgs, round } from "./lib/common.js";
import { measureCompareRender, type RenderResult } from "./lib/render.js";
import { measureRuns10k } from "./lib/runs10k.js";

const args = parseArgs();
const quick = args.has("quick");
const nRuns = Number(args.get("runs") ?? (quick ? 5 : 20));
const nPoints = Number(args.get("points") ?? (quick ? 20_000 : 100_000));
const reps = Number(args.get("reps") ?? 5);
const browser = !args.has("no-browser");

const before = machine();
if (args.has("runs10k")) {
  const runs = Number(args.get("runs") ?? 10_000);
  const options = {
    runs,
    lossPoints: Number(args.get("loss-points") ?? 200),
    validPoints: Number(args.get("valid-points") ?? 20),
    reps: Number(args.get("reps") ?? 2),
    liveSeconds: Number(args.get("live-seconds") ?? 20),
  };
  console.log(
    `machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}; 10k mode: ${runs} runs x ${options.lossPoints + options.validPoints} points, ${options.reps} warm reps`,
  );
  if (!(await postgresReachable())) throw new Error("no Postgres at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)");
  const web = join(dirname(fileURLToPath(import.meta.url)), "..", "apps", "web", "test-results");
  const t = await createTestDatabase("postgres");
  try {
    const runs10k = await measureRuns10k(t, { ...options, screenshots: join(web, "screenshots"), serverLog: join(web, "bench-dashboard-10k-server.log") });
    console.log(JSON.stringify({ benchmark: "dashboard", mode: "runs10k", statistic: "median", machine: { ...before, loadAfter: machine().load }, runs10k }));
  } finally {
    await t.close();
  }
  process.exit(0);
}
console.log(`machine: ${before.nproc} x ${before.cpu}, load ${before.load.join(" ")}; ${nRuns} runs x ${nPoints} points, ${reps} reps`);
if (!(await postgresReachable())) throw new Error("no Postgres at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres)");
const t = await createTestDatabase("postgres");
try {
  const exp = await t.db.prisma.experiment.create({ data: { name: "bench-dashboard" } });
  const ids: string[] = [];
  const seed0 = performance.now();
  for (let r = 0; r < nRuns; r++) {
    const run = await t.db.prisma.run.create({
      data: {
        experimentId: exp.id,
        name: `run-${r}`,
        status: "COMPLETED",
        task: "lm",
        step: nPoints,
        config: { model: { cell: "lstm", hiddenSize: 200 + r, tied: r % 2 === 0 }, train: { lr: 20 - r / 10 } },
        summary: { valid_loss: 5 + r / 100 },
      },
    });
    ids.push(run.id);
    const points: MetricPointInput[] = [];
    const t0 = Date.now() - nPoints * 1000;
    for (let s = 0; s < nPoints; s++) {
      points.push({ runId: run.id, key: "train/loss", step: s, value: 7 * Math.exp(-s / (nPoints / 4)) + 0.3 * Math.sin(s / 50 + r), wallTime: t0 + s * 1000 });
      if (s % 100 === 0) {
        points.push({ runId: run.id, key: "train/epoch", step: s, value: Math.floor(s / (nPoints / 6)), wallTime: t0 + s * 1000 });
        points.push({ runId: run.id, key: "train/tokens", step: s, value: s * 700, wallTime: t0 + s * 1000 });
      }
    }
    await writeMetricPoints(t.db.pool, points);
  }
  await t.db.pool.query(`ANALYZE "MetricPoint", "MetricSeries", "MetricRollup"`);
  const seedS = (performance.now() - seed0) / 1000;
  console.log(`seeded ${nRuns * nPoints} points in ${round(seedS)} s`);

  const caller = createCaller(createTRPCContext({ db: t.db }));
  const calls: [string, () => Promise<unknown>][] = [
    ["run.list", () => caller.run.list({ limit: 500 })],
    ["compare.runs", () => caller.compare.runs({ ids })],
    ["metrics.keys", () => caller.metrics.keys({ runIds: ids })],
    ["metrics.series", () => caller.metrics.series({ runIds: ids, keys: ["train/loss"], maxPoints: 800 })],
  ];
  const results: Record<string, { ms: number; bytes: number; runs: number[] }> = {};
  const totals: number[] = [];
  for (let r = 0; r <= reps; r++) {
    // the page issues these together (react-query); time them together and each alone
    const t0 = performance.now();
    const outs = await Promise.all(calls.map(([, f]) => f()));
    const total = performance.now() - t0;
    if (r > 0) totals.push(total);
    for (const [i, [name, f]] of calls.entries()) {
      const s0 = performance.now();
      await f();
      const ms = performance.now() - s0;
      const e = (results[name] ??= { ms: 0, bytes: JSON.stringify(outs[i]).length, runs: [] });
      if (r > 0) e.runs.push(ms);
    }
  }
  const rows = Object.entries(results).map(([name, e]) => ({ call: name, ms: round(median(e.runs)), bytes: e.bytes }));
  for (const row of rows) console.log(`  ${row.call}: ${row.ms} ms, ${row.bytes} bytes of JSON`);
  const pageMs = round(median(totals));
  const pageBytes = rows.reduce((a, r) => a + r.bytes, 0);
  console.log(`  the compare page's four calls together: ${pageMs} ms, ${pageBytes} bytes`);

  let render: (RenderResult & { targetMs: number; targetRatio: number }) | string = "skipped (--no-browser)";
  if (browser) {
    console.log(`compare page in Chromium (${reps} warm loads after a cold one)…`);
    const web = join(dirname(fileURLToPath(import.meta.url)), "..", "apps", "web", "test-results");
    const r = await measureCompareRender({
      databaseUrl: t.url,
      runIds: ids,
      reps,
      screenshot: join(web, "screenshots", "bench-compare.png"),
      serverLog: join(web, "bench-dashboard-server.log"),
    });
    render = { ...r, targetMs: 300, targetRatio: round(r.ms / 300, 2) };
    console.log(
      `  chart drawn: ${r.ms} ms warm (median), ${r.coldMs} ms cold; of which after the data was all there (hydration, React, recharts, paint) ${r.drawMs} ms warm, ${r.coldDrawMs} ms cold (target 300 ms)`,
    );
    console.log(`  screenshot: ${r.screenshot}`);
  }
  console.log(
    JSON.stringify({
      benchmark: "dashboard",
      runs: nRuns,
      pointsPerSeries: nPoints,
      reps,
      statistic: "median",
      machine: { ...before, loadAfter: machine().load },
      seedSeconds: round(seedS),
      calls: rows,
      compareDataMs: pageMs,
      compareDataBytes: pageBytes,
      targetRatio: round(pageMs / 300, 2),
      render,
    }),
  );
} finally {
  await t.close();
}
