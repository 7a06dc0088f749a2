// Queueing and cancelling, on both targets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_LIMITS, RunInputError } from "./run-limits.js";
import { enqueueRuns, requestCancel } from "./runs.js";
import { createTestDatabase, testTargets, type TestDatabase } from "./testing.js";

const targets = await testTargets();

describe.each(targets)("runs on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  }, 120_000);
  afterAll(() => t?.close());

  it("queues runs in the order given, under one experiment, with denormalised columns", async () => {
    const ids = await enqueueRuns(
      t.db.pool,
      Array.from({ length: 5 }, (_, i) => ({ name: `r${i}`, config: { i }, task: "lm", cell: "gru", tied: i % 2 === 0 })),
      { experiment: "order" },
    );
    const again = await enqueueRuns(t.db.pool, [{ name: "r5", config: {} }], { experiment: "order" });
    const { rows } = await t.db.pool.query<{ id: string; name: string; status: string; tied: boolean | null; maxAttempts: number }>(
      `SELECT r.id, r.name, r.status, r.tied, r."maxAttempts" FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId" WHERE e.name = 'order' ORDER BY r."createdAt", r.id`,
    );
    expect(rows.map((r) => r.id)).toEqual([...ids, ...again]);
    expect(rows.map((r) => r.tied)).toEqual([true, false, true, false, true, null]);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["QUEUED"]));
    expect(rows[0]!.maxAttempts).toBe(3);
  });

  it("takes ids and maxAttempts from the columns' defaults, as schema.prisma declares them", async () => {
    const [id] = await enqueueRuns(t.db.pool, [{ name: "d", config: {} }], { experiment: "defaults" });
    const [two] = await enqueueRuns(t.db.pool, [{ name: "e", config: {} }], { experiment: "defaults", maxAttempts: 2 });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/); // gen_random_uuid()
    const { rows } = await t.db.pool.query<{ id: string; maxAttempts: number; fromPrisma: number }>(
      `SELECT id, "maxAttempts", (SELECT column_default FROM information_schema.columns WHERE table_name = 'Run' AND column_name = 'maxAttempts')::int AS "fromPrisma" FROM "Run" WHERE id = ANY($1) ORDER BY name`,
      [[id, two]],
    );
    expect(rows).toEqual([
      { id, maxAttempts: 3, fromPrisma: 3 },
      { id: two, maxAttempts: 2, fromPrisma: 3 },
    ]);
    const experiment = await t.db.prisma.experiment.create({ data: { name: "made by prisma" } });
    expect(experiment.id).toMatch(/^[0-9a-f]{8}-/); // the same default, not cuid()
  });

  it("creates nothing when one run of the batch cannot be written", async () => {
    const bad = { name: "bad", config: { n: 1n } }; // JSON cannot hold a BigInt
    await expect(enqueueRuns(t.db.pool, [{ name: "ok", config: {} }, bad], { experiment: "atomic" })).rejects.toThrow(/BigInt/);
    const { rows } = await t.db.pool.query(`SELECT 1 FROM "Experiment" WHERE name = 'atomic'`);
    expect(rows).toHaveLength(0);
  });

  it("refuses what breaks RUN_LIMITS before writing anything", async () => {
    const cases: [Parameters<typeof enqueueRuns>[1], Parameters<typeof enqueueRuns>[2], RegExp][] = [
      [
        [{ name: "x".repeat(RUN_LIMITS.runName + 1), config: {} }],
        { experiment: "limits" },
        /^name: the run name is 201 characters long, more than the 200 allowed/,
      ],
      [[{ name: "ok", config: {} }], { experiment: "  " }, /^experiment: the experiment name is empty/],
      [[{ name: "ok", config: {} }], { experiment: "e".repeat(201) }, /^experiment: .*more than the 200 allowed/],
      [[{ name: "ok", config: {} }], { experiment: "limits", maxAttempts: 0 }, /^maxAttempts: expected a whole number from 1 to 10, got 0/],
      [[{ name: "ok", config: {} }], { experiment: "limits", maxAttempts: 2.5 }, /got 2\.5/],
      [[{ name: "ok", config: {}, tags: ["t".repeat(41)] }], { experiment: "limits" }, /^runs\.0\.tags\.0: a tag is 41 characters long/],
      [
        Array.from({ length: 201 }, (_, i) => ({ name: `r${i}`, config: {} })),
        { experiment: "limits" },
        /^runs: 201 runs is more than the 200 one request may queue/,
      ],
      [[], { experiment: "limits" }, /^runs: nothing to queue/],
    ];
    for (const [runs, options, message] of cases) {
      await expect(enqueueRuns(t.db.pool, runs, options)).rejects.toThrow(RunInputError);
      await expect(enqueueRuns(t.db.pool, runs, options)).rejects.toThrow(message);
    }
    const { rows } = await t.db.pool.query(`SELECT 1 FROM "Experiment" WHERE name LIKE 'limits%' OR name = '  '`);
    expect(rows).toHaveLength(0);
  });

  it("cancels a queued run at once and flags a running one for its worker", async () => {
    const [queued, running] = await enqueueRuns(
      t.db.pool,
      [
        { name: "q", config: {} },
        { name: "r", config: {} },
      ],
      { experiment: "cancel" },
    );
    await t.db.pool.query(`UPDATE "Run" SET status = 'RUNNING' WHERE id = $1`, [running]);
    expect(await requestCancel(t.db.pool, queued!)).toBe("CANCELLED");
    expect(await requestCancel(t.db.pool, running!)).toBe("RUNNING");
    const { rows } = await t.db.pool.query<{ cancelRequested: boolean }>(`SELECT "cancelRequested" FROM "Run" WHERE id = $1`, [running]);
    expect(rows[0]!.cancelRequested).toBe(true);
    expect(await requestCancel(t.db.pool, "no-such-run")).toBeUndefined();
  });
});
