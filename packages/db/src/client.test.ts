// The Prisma client over adapter-pg, on both targets: models, enums, JSON, bytes, cascades.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointKind, RunStatus } from "./index.js";
import { writeMetricPoints } from "./metrics.js";
import { createTestDatabase, testTargets, type TestDatabase } from "./testing.js";

const targets = await testTargets();

describe.each(targets)("client on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(() => t?.close());

  it("creates and reads experiments, runs, samples and checkpoints; deleting a run cascades", async () => {
    const { prisma, pool } = t.db;
    const experiment = await prisma.experiment.create({
      data: { name: "ptb-lstm", description: "PTB word LM", tags: ["ptb", "lm"] },
    });
    const worker = await prisma.worker.create({ data: { host: "box1", backend: "wasm", device: "cpu", pid: 123 } });
    const run = await prisma.run.create({
      data: {
        experimentId: experiment.id,
        name: "lstm-200",
        config: { model: { cell: "lstm", hidden: 200, tied: true } },
        task: "lm",
        cell: "lstm",
        tied: true,
        workerId: worker.id,
      },
    });
    expect(run.status).toBe(RunStatus.QUEUED);
    expect(run.attempt).toBe(0);
    expect(run.tags).toEqual([]);

    await prisma.sample.create({ data: { runId: run.id, step: 100, prompt: "the", text: "the cat", params: { temperature: 0.8 } } });
    const weights = new Uint8Array([1, 2, 3, 255]);
    await prisma.checkpoint.upsert({
      where: { runId_kind: { runId: run.id, kind: CheckpointKind.BEST } },
      create: { runId: run.id, step: 100, kind: CheckpointKind.BEST, metrics: { ppl: 120 }, format: "tfjs", size: 4, data: weights },
      update: {},
    });
    const best = await prisma.checkpoint.upsert({
      where: { runId_kind: { runId: run.id, kind: CheckpointKind.BEST } },
      create: { runId: run.id, step: 200, kind: CheckpointKind.BEST, metrics: { ppl: 110 }, format: "tfjs", size: 4, data: weights },
      update: { step: 200, metrics: { ppl: 110 } },
    });
    expect(best.step).toBe(200);
    expect(Array.from(best.data ?? [])).toEqual([1, 2, 3, 255]);
    await writeMetricPoints(pool, [{ runId: run.id, key: "loss", step: 1, value: 1 }]);

    const loaded = await prisma.run.findUniqueOrThrow({
      where: { id: run.id },
      include: { experiment: true, worker: true, _count: { select: { samples: true, checkpoints: true, series: true } } },
    });
    expect(loaded.experiment.tags).toEqual(["ptb", "lm"]);
    expect(loaded.worker?.host).toBe("box1");
    expect(loaded._count).toEqual({ samples: 1, checkpoints: 1, series: 1 });
    const series = await prisma.metricSeries.findUniqueOrThrow({ where: { runId_key: { runId: run.id, key: "loss" } } });
    expect(series).toMatchObject({ pointCount: 1, lastStep: 1, lastValue: 1 });
    expect(await prisma.run.count({ where: { task: "lm", cell: "lstm", tied: true, status: RunStatus.QUEUED } })).toBe(1);

    await prisma.run.delete({ where: { id: run.id } });
    expect(await prisma.sample.count({ where: { runId: run.id } })).toBe(0);
    expect(await prisma.checkpoint.count({ where: { runId: run.id } })).toBe(0);
    // the run's series go by foreign key, their points and rollups by the series' delete trigger
    expect(await prisma.metricSeries.count({ where: { runId: run.id } })).toBe(0);
    expect(await prisma.metricPoint.count({ where: { seriesId: series.id } })).toBe(0);
    expect(await prisma.metricRollup.count({ where: { seriesId: series.id } })).toBe(0);
  });

  it("interactive transactions commit and roll back; raw queries return typed rows", async () => {
    const { prisma } = t.db;
    await prisma.$transaction(async (tx) => {
      await tx.experiment.create({ data: { name: "tx-commit" } });
    });
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.experiment.create({ data: { name: "tx-rollback" } });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await prisma.experiment.count({ where: { name: { startsWith: "tx-" } } })).toBe(1);
    const rows = await prisma.$queryRaw<{ name: string }[]>`SELECT name FROM "Experiment" WHERE name = ${"tx-commit"}`;
    expect(rows).toEqual([{ name: "tx-commit" }]);
  });

  it("a duplicate sample (same run, step, prompt) is rejected, so replays can skip it", async () => {
    const { prisma } = t.db;
    const experiment = await prisma.experiment.create({ data: { name: "dup-samples" } });
    const run = await prisma.run.create({ data: { experimentId: experiment.id, name: "r", config: {} } });
    const data = { runId: run.id, step: 5, prompt: "a", text: "a b", params: {} };
    await prisma.sample.create({ data });
    await expect(prisma.sample.create({ data })).rejects.toMatchObject({ code: "P2002" });
    expect((await prisma.sample.createMany({ data: [data], skipDuplicates: true })).count).toBe(0);
  });

  it("truncating runs empties the metric points and rollups too (they have no foreign key)", async () => {
    const { prisma, pool } = t.db;
    const experiment = await prisma.experiment.create({ data: { name: `truncate-${Math.random()}` } });
    const run = await prisma.run.create({ data: { experimentId: experiment.id, name: "r", config: {} } });
    await writeMetricPoints(pool, [{ runId: run.id, key: "loss", step: 1, value: 1 }]);
    await pool.query(`TRUNCATE "Run" CASCADE`);
    expect(await prisma.metricSeries.count()).toBe(0);
    expect(await prisma.metricPoint.count()).toBe(0);
    expect(await prisma.metricRollup.count()).toBe(0);
  });
});
