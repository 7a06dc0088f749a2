// Bulk metric writes, series summaries, min/max rollups and downsampled reads, on both targets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMetricPoints, type MetricPointInput } from "./metrics.js";
import { planBuckets, ROLLUP_WIDTHS } from "./rollups.js";
import { readSeries } from "./series.js";
import { createTestDatabase, testTargets, type TestDatabase } from "./testing.js";

const targets = await testTargets();

async function newRun(t: TestDatabase, name: string): Promise<string> {
  const experiment = await t.db.prisma.experiment.create({ data: { name: `exp-${name}-${Math.random()}` } });
  const run = await t.db.prisma.run.create({ data: { experimentId: experiment.id, name, config: { cell: "lstm" } } });
  return run.id;
}

/** Postgres's float8 order (NaN above every number), then step: what "lowest" and "highest" mean. */
function byValueThenStep(a: { step: number; value: number }, b: { step: number; value: number }): number {
  const na = Number.isNaN(a.value);
  const nb = Number.isNaN(b.value);
  if (na !== nb) return na ? 1 : -1;
  if (!na && a.value !== b.value) return a.value < b.value ? -1 : 1;
  return a.step - b.step;
}

/** Every rollup row a brute force over the stored points gives: per width and block, first and last by (value, step). */
async function bruteForceRollups(t: TestDatabase, seriesId: number) {
  const { rows } = await t.db.pool.query<{ step: number; value: number }>(`SELECT step, value FROM "MetricPoint" WHERE "seriesId" = $1`, [seriesId]);
  const out: string[] = [];
  for (const width of ROLLUP_WIDTHS) {
    const blocks = new Map<number, { step: number; value: number }[]>();
    for (const r of rows) {
      const b = Math.floor(r.step / width);
      blocks.set(b, [...(blocks.get(b) ?? []), { step: r.step, value: Number(r.value) }]);
    }
    for (const [b, ps] of blocks) {
      ps.sort(byValueThenStep);
      out.push(`${width}/${b}: ${ps[0]!.step}=${ps[0]!.value} ${ps.at(-1)!.step}=${ps.at(-1)!.value}`);
    }
  }
  return out.sort();
}

async function storedRollups(t: TestDatabase, seriesId: number) {
  const { rows } = await t.db.pool.query<{ width: number; block: number; minStep: number; minValue: number; maxStep: number; maxValue: number }>(
    `SELECT width, block, "minStep", "minValue", "maxStep", "maxValue" FROM "MetricRollup" WHERE "seriesId" = $1`,
    [seriesId],
  );
  return rows.map((r) => `${r.width}/${r.block}: ${r.minStep}=${Number(r.minValue)} ${r.maxStep}=${Number(r.maxValue)}`).sort();
}

async function seriesRow(t: TestDatabase, runId: string, key: string) {
  return t.db.prisma.metricSeries.findUniqueOrThrow({ where: { runId_key: { runId, key } } });
}

describe.each(targets)("metrics on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(() => t?.close());

  it("writes are idempotent: the same batch twice leaves the counts unchanged", async () => {
    const runId = await newRun(t, "idempotent");
    const points: MetricPointInput[] = [];
    for (let step = 0; step < 2_500; step++) {
      points.push({ runId, key: "train/loss", step, value: 5 / (step + 1), wallTime: Date.UTC(2026, 0, 1) + step });
      if (step % 10 === 0) points.push({ runId, key: "valid/ppl", step, value: 100 - step / 100 });
    }
    expect(await writeMetricPoints(t.db.pool, points, { chunkSize: 1_000 })).toBe(points.length);
    expect(await writeMetricPoints(t.db.pool, points, { chunkSize: 1_000 })).toBe(0);
    // a replay that overlaps new points inserts only the new ones
    const more = [...points.slice(-5), { runId, key: "train/loss", step: 2_500, value: 0.1 }];
    expect(await writeMetricPoints(t.db.pool, more)).toBe(1);
    const loss = await seriesRow(t, runId, "train/loss");
    expect(await t.db.prisma.metricPoint.count({ where: { seriesId: loss.id } })).toBe(2_501);
    expect(loss).toMatchObject({ pointCount: 2_501, lastStep: 2_500, lastValue: 0.1 });
    expect(await seriesRow(t, runId, "valid/ppl")).toMatchObject({ pointCount: 250, lastStep: 2_490 });
    const first = await t.db.prisma.metricPoint.findUniqueOrThrow({ where: { seriesId_step: { seriesId: loss.id, step: 3 } } });
    expect(first.value).toBeCloseTo(1.25);
    expect(first.wallTime.getTime()).toBe(Date.UTC(2026, 0, 1) + 3);
  });

  it("stores NaN and infinities (diverged runs) as float8", async () => {
    const runId = await newRun(t, "nan");
    await writeMetricPoints(t.db.pool, [
      { runId, key: "loss", step: 1, value: Number.NaN },
      { runId, key: "loss", step: 2, value: Number.POSITIVE_INFINITY },
      { runId, key: "loss", step: 3, value: -1e-300 },
    ]);
    const series = await readSeries(t.db.pool, runId, "loss");
    expect(series.map((p) => p.value)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, -1e-300]);
  });

  it("readSeries returns a short series whole, in step order", async () => {
    const runId = await newRun(t, "short");
    const steps = [30, 10, 20, 0];
    await writeMetricPoints(
      t.db.pool,
      steps.map((step) => ({ runId, key: "acc", step, value: step / 100, wallTime: Date.UTC(2026, 0, 1) + step * 1_001 })),
    );
    const series = await readSeries(t.db.pool, runId, "acc", { maxPoints: 10 });
    expect(series.map((p) => p.step)).toEqual([0, 10, 20, 30]);
    expect(series.map((p) => p.wallTime.getTime())).toEqual([0, 10, 20, 30].map((step) => Date.UTC(2026, 0, 1) + step * 1_001));
    expect(await readSeries(t.db.pool, runId, "acc", { fromStep: 10, toStep: 20 })).toHaveLength(2);
    expect(await readSeries(t.db.pool, runId, "missing")).toEqual([]);
  });

  it("downsampling keeps a one-step spike and the minimum, within the point budget", async () => {
    const runId = await newRun(t, "spike");
    const points: MetricPointInput[] = [];
    for (let step = 0; step < 20_000; step++) points.push({ runId, key: "loss", step, value: 2 + Math.sin(step / 500) * 0.1 });
    points[12_345] = { runId, key: "loss", step: 12_345, value: 1_000, wallTime: Date.UTC(2026, 0, 2, 3, 4, 5, 678) }; // a single exploding-gradient step
    points[777] = { runId, key: "loss", step: 777, value: -5 };
    await writeMetricPoints(t.db.pool, points);
    const series = await readSeries(t.db.pool, runId, "loss", { maxPoints: 200 });
    expect(series.length).toBeLessThanOrEqual(200);
    expect(series.length).toBeGreaterThan(150);
    expect(series).toContainEqual({ step: 12_345, value: 1_000, wallTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) }); // read from a rollup
    expect(series).toContainEqual(expect.objectContaining({ step: 777, value: -5 }));
    const steps = series.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps[0]).toBeLessThan(100);
    expect(steps.at(-1)).toBeGreaterThan(19_900);
  });

  it("rollups and summaries equal a brute force over the stored points after out-of-order, overlapping and replayed writes", async () => {
    const runId = await newRun(t, "rollups");
    // a pseudo-random walk with ties, NaN, infinities and negative steps, written in shuffled
    // chunks of varying size, some twice, some replayed with different values (which must lose)
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const all: MetricPointInput[] = [];
    for (let step = -300; step < 9_000; step++) {
      const r = rand();
      const value = r < 0.01 ? Number.NaN : r < 0.02 ? Number.POSITIVE_INFINITY : r < 0.03 ? 1e300 : Math.round(rand() * 20) / 4; // many ties
      all.push({ runId, key: "walk", step, value, wallTime: 1_700_000_000_000 + step });
      if (step % 7 === 0) all.push({ runId, key: "sparse", step: step * 50, value: rand() });
    }
    const shuffled = [...all].sort(() => rand() - 0.5);
    const firstHalf = shuffled.slice(0, 6_000);
    await writeMetricPoints(t.db.pool, firstHalf, { chunkSize: 777, parallel: 2 });
    // replay part of it with other values (ON CONFLICT DO NOTHING keeps the stored ones) plus new points
    const replay = [...firstHalf.slice(0, 2_000).map((p) => ({ ...p, value: -1_000 })), ...shuffled.slice(6_000, 8_000)];
    await writeMetricPoints(t.db.pool, replay, { chunkSize: 500 });
    await writeMetricPoints(t.db.pool, shuffled.slice(7_000), { chunkSize: 3_000 });
    await writeMetricPoints(t.db.pool, shuffled, { chunkSize: 10_000 }); // everything again

    for (const key of ["walk", "sparse"]) {
      const s = await seriesRow(t, runId, key);
      const expected = all.filter((p) => p.key === key);
      const last = expected.reduce((a, b) => (b.step > a.step ? b : a));
      expect(s.pointCount).toBe(expected.length);
      expect(s.lastStep).toBe(last.step);
      expect(s.lastValue).toEqual(last.value);
      expect(await storedRollups(t, s.id)).toEqual(await bruteForceRollups(t, s.id));
    }
    // the stored points are the first written values, never the replayed -1000s
    const walk = await readSeries(t.db.pool, runId, "walk", { maxPoints: 100_000 });
    expect(walk.map((p) => p.value)).toEqual(all.filter((p) => p.key === "walk").map((p) => p.value));
  });

  it("downsampling from the rollups equals downsampling from the points, for whole and cut ranges", async () => {
    const runId = await newRun(t, "agree");
    const points: MetricPointInput[] = [];
    for (let step = -50; step < 60_000; step += step % 3 === 0 ? 1 : 2) {
      points.push({ runId, key: "loss", step, value: step % 997 === 0 ? Number.NaN : Math.round(Math.sin(step / 300) * 50 + Math.cos(step / 7) * 10) });
    }
    await writeMetricPoints(t.db.pool, points.reverse(), { chunkSize: 4_096 });
    const views = [
      { maxPoints: 800 },
      { maxPoints: 200 },
      { maxPoints: 1_201 },
      { maxPoints: 60 },
      { maxPoints: 800, fromStep: 1_234, toStep: 45_678 },
      { maxPoints: 300, fromStep: -7, toStep: 5_000 },
      { maxPoints: 100, fromStep: 33_333, toStep: 33_999 },
    ];
    for (const view of views) {
      const fromRollups = await readSeries(t.db.pool, runId, "loss", view);
      const fromPoints = await readSeries(t.db.pool, runId, "loss", { ...view, rollups: false });
      expect(fromRollups).toEqual(fromPoints);
      expect(fromRollups.length).toBeLessThanOrEqual(view.maxPoints);
      expect(fromRollups.length).toBeGreaterThan(view.maxPoints * 0.6);
      const inRange = points.filter((p) => p.step >= (view.fromStep ?? -Infinity) && p.step <= (view.toStep ?? Infinity)).sort(byValueThenStep);
      expect(fromRollups).toContainEqual(expect.objectContaining({ step: inRange[0]!.step }));
      expect(fromRollups).toContainEqual(expect.objectContaining({ step: inRange.at(-1)!.step }));
    }
  });

  it("plans aligned buckets from the coarsest rollup that fits", () => {
    expect(planBuckets(0, 99_999, 399)).toEqual({ width: 256, rollup: 256 }); // 100k points, 800 px
    expect(planBuckets(0, 19_999, 99)).toEqual({ width: 208, rollup: 16 });
    expect(planBuckets(0, 999, 399)).toEqual({ width: 3, rollup: 1 });
    expect(planBuckets(0, 10_000_000, 399)).toEqual({ width: 28_672, rollup: 4_096 });
  });

  it("a write for a deleted run fails instead of leaving orphaned points", async () => {
    const runId = await newRun(t, "deleted");
    await writeMetricPoints(t.db.pool, [{ runId, key: "loss", step: 1, value: 1 }]); // series cached
    await t.db.prisma.run.delete({ where: { id: runId } });
    await expect(writeMetricPoints(t.db.pool, [{ runId, key: "loss", step: 2, value: 1 }])).rejects.toMatchObject({ code: "23503" });
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "MetricPoint" p WHERE NOT EXISTS (SELECT 1 FROM "MetricSeries" s WHERE s.id = p."seriesId")`,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
