// Bulk metric writes and downsampled reads, on both targets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSeries, writeMetricPoints, type MetricPointInput } from "./metrics.js";
import { createTestDatabase, testTargets, type TestDatabase } from "./testing.js";

const targets = await testTargets();

async function newRun(t: TestDatabase, name: string): Promise<string> {
  const experiment = await t.db.prisma.experiment.create({ data: { name: `exp-${name}-${Math.random()}` } });
  const run = await t.db.prisma.run.create({ data: { experimentId: experiment.id, name, config: { cell: "lstm" } } });
  return run.id;
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
    expect(await t.db.prisma.metricPoint.count({ where: { runId } })).toBe(points.length + 1);
    const first = await t.db.prisma.metricPoint.findFirstOrThrow({ where: { runId, key: "train/loss", step: 3 } });
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
    await writeMetricPoints(t.db.pool, steps.map((step) => ({ runId, key: "acc", step, value: step / 100 })));
    const series = await readSeries(t.db.pool, runId, "acc", { maxPoints: 10 });
    expect(series.map((p) => p.step)).toEqual([0, 10, 20, 30]);
    expect(series[0]?.wallTime).toBeInstanceOf(Date);
    expect(await readSeries(t.db.pool, runId, "acc", { fromStep: 10, toStep: 20 })).toHaveLength(2);
    expect(await readSeries(t.db.pool, runId, "missing")).toEqual([]);
  });

  it("downsampling keeps a one-step spike and the minimum, within the point budget", async () => {
    const runId = await newRun(t, "spike");
    const points: MetricPointInput[] = [];
    for (let step = 0; step < 20_000; step++) points.push({ runId, key: "loss", step, value: 2 + Math.sin(step / 500) * 0.1 });
    points[12_345] = { runId, key: "loss", step: 12_345, value: 1_000 }; // a single exploding-gradient step
    points[777] = { runId, key: "loss", step: 777, value: -5 };
    await writeMetricPoints(t.db.pool, points);
    const series = await readSeries(t.db.pool, runId, "loss", { maxPoints: 200 });
    expect(series.length).toBeLessThanOrEqual(200);
    expect(series.length).toBeGreaterThan(150);
    expect(series).toContainEqual(expect.objectContaining({ step: 12_345, value: 1_000 }));
    expect(series).toContainEqual(expect.objectContaining({ step: 777, value: -5 }));
    const steps = series.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps[0]).toBeLessThan(100);
    expect(steps.at(-1)).toBeGreaterThan(19_900);
  });
});
