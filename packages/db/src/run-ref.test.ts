// Naming a run by id or unique prefix, and whether a run can give a new one its weights
// (model.init = run:ID), on both targets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInitRun, findRun } from "./run-ref.js";
import { enqueueRuns } from "./runs.js";
import { createTestDatabase, testTargets, type TestDatabase } from "./testing.js";

const targets = await testTargets();

describe.each(targets)("run references on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  }, 120_000);
  afterAll(() => t?.close());

  const setStatus = (id: string, status: string) => t.db.pool.query(`UPDATE "Run" SET status = $2::"RunStatus" WHERE id = $1`, [id, status]);
  const addCheckpoint = (id: string) =>
    t.db.pool.query(
      `INSERT INTO "Checkpoint" (id, "runId", step, kind, metrics, format, size, data, "updatedAt") VALUES (gen_random_uuid()::text, $1, 3, 'BEST', '{}', 'unroll-safetensors-v1', 1, '\\x00', now())`,
      [id],
    );

  it("finds a run by its id or a unique start of it, and says what is wrong otherwise", async () => {
    const [a, b] = await enqueueRuns(
      t.db.pool,
      [
        { name: "a", config: {} },
        { name: "b", config: {} },
      ],
      { experiment: "refs" },
    );
    expect(await findRun(t.db.pool, a!)).toEqual({ id: a });
    expect(await findRun(t.db.pool, b!.slice(0, 13))).toEqual({ id: b });
    expect(await findRun(t.db.pool, "ffffffffffff")).toEqual({ problem: 'no run matches "ffffffffffff" (see `unroll runs`)' });
    expect(await findRun(t.db.pool, "a%")).toMatchObject({ problem: expect.stringMatching(/^"a%" is not a run id: give a run's id or the start of it/) });
    expect(await findRun(t.db.pool, "")).toMatchObject({ problem: expect.stringMatching(/is not a run id/) });
  });

  it("takes a source with a checkpoint, notes one that may still write one, and refuses one that ended without", async () => {
    const [done, queued, failed, crashed] = await enqueueRuns(
      t.db.pool,
      ["done", "queued", "failed", "crashed"].map((name) => ({ name, config: {} })),
      { experiment: "init-sources" },
    );
    await setStatus(done!, "COMPLETED");
    await addCheckpoint(done!);
    await setStatus(failed!, "FAILED");
    await setStatus(crashed!, "CRASHED");
    expect(await checkInitRun(t.db.pool, done!.slice(0, 12))).toEqual({});
    expect((await checkInitRun(t.db.pool, queued!)).note).toBe(
      `run ${queued} (queued) has no checkpoint yet: a run starting from it fails if a worker takes it before ${queued} writes one (at train.checkpointEvery and at its end)`,
    );
    expect((await checkInitRun(t.db.pool, crashed!)).note).toMatch(/\(crashed\) has no checkpoint yet/);
    expect(await checkInitRun(t.db.pool, failed!)).toEqual({
      problem: `run ${failed} ended failed without a checkpoint, so it has no weights to start from: name another run, or a checkpoint file`,
    });
    expect(await checkInitRun(t.db.pool, "ffffffffffff")).toEqual({ problem: 'no run matches "ffffffffffff" (see `unroll runs`)' });
  });
});
