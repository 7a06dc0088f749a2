// Ingest throughput of writeMetricPoints: 100k points (one run, 4 series) into a fresh database on
// each target, then a replay of the same points (all conflicts), then a downsampled read.
//   pnpm --filter @unroll/db bench [embedded|postgres ...] [--chunk=10000]   (default: both targets, as tests choose them)
import { METRIC_CHUNK_SIZE, writeMetricPoints, type MetricPointInput } from "../src/metrics.js";
import { readSeries } from "../src/series.js";
import { createTestDatabase, testTargets, type TestTarget } from "../src/testing.js";

const N = 100_000;
const KEYS = ["train/loss", "train/ppl", "valid/loss", "lr"];

async function bench(target: TestTarget): Promise<void> {
  const t = await createTestDatabase(target);
  try {
    const experiment = await t.db.prisma.experiment.create({ data: { name: "bench" } });
    const run = await t.db.prisma.run.create({ data: { experimentId: experiment.id, name: "bench", config: {} } });
    const points: MetricPointInput[] = [];
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      const step = Math.floor(i / KEYS.length);
      points.push({ runId: run.id, key: KEYS[i % KEYS.length] ?? "x", step, value: Math.random(), wallTime: t0 + step });
    }
    const measure = async (label: string, fn: () => Promise<unknown>) => {
      const start = performance.now();
      const result = await fn();
      const s = (performance.now() - start) / 1000;
      console.log(
        `${target.padEnd(8)} ${label.padEnd(34)} ${s.toFixed(2).padStart(6)} s  ${Math.round(N / s)
          .toLocaleString("en")
          .padStart(9)} points/s  (${String(result)})`,
      );
    };
    await measure(`insert 100k (chunks of ${chunkSize})`, () => writeMetricPoints(t.db.pool, points, { chunkSize }));
    await measure("replay same 100k (all conflicts)", () => writeMetricPoints(t.db.pool, points, { chunkSize }));
    const start = performance.now();
    const series = await readSeries(t.db.pool, run.id, "train/loss", { maxPoints: 1000 });
    console.log(`${target.padEnd(8)} readSeries 25k -> ${series.length} points  ${(performance.now() - start).toFixed(0)} ms`);
  } finally {
    await t.close();
  }
}

const args = process.argv.slice(2);
const chunkSize = Number(args.find((a) => a.startsWith("--chunk="))?.slice("--chunk=".length) ?? METRIC_CHUNK_SIZE);
const requested = args.filter((a) => !a.startsWith("--")) as TestTarget[];
for (const target of requested.length ? requested : await testTargets()) await bench(target);
