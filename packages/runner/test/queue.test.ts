// The queue on both targets (real Postgres and the embedded default): exactly-once claims with
// four workers, cancel, a failing run, the sweeper and resume.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { initBackend } from "@unroll/core";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { claimNextRun, registerWorker } from "../src/queue/claim.js";
import { enqueueRuns } from "../src/queue/enqueue.js";
import { requestCancel } from "@unroll/db";
import { sweepLapsedRuns } from "../src/queue/sweeper.js";
import { runWorker } from "../src/worker.js";
import { SPOOL_DIR, tinyConfig, waitFor } from "./fixtures.js";

const targets = await testTargets();
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

describe.each(targets)("queue on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  }, 120_000);
  afterAll(() => t?.close());

  const worker = (pool: pg.Pool, signal: AbortSignal, extra: Partial<Parameters<typeof runWorker>[0]> = {}) =>
    runWorker({ pool, backend: { name: "cpu", device: "test" }, once: true, spoolDir: SPOOL_DIR, signal, heartbeatMs: 200, pollMs: 50, ...extra });

  it("four workers drain forty runs, each run exactly once", async () => {
    const runs = Array.from({ length: 40 }, (_, i) => ({ name: `r${i}`, config: tinyConfig({ maxSteps: 2, seed: i }) }));
    const ids = await enqueueRuns(t.db.pool, runs, { experiment: `drain-${target}` });
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: t.url, max: 3 }));
    try {
      const signal = new AbortController().signal;
      const reports = await Promise.all(pools.map((p) => worker(p, signal)));
      const ran = reports.flatMap((r) => r.runs.map((x) => x.id));
      expect(ran.sort()).toEqual([...ids].sort()); // every run once, none twice
      expect(new Set(reports.map((r) => r.workerId)).size).toBe(4);
      expect(reports.filter((r) => r.runs.length > 0).length).toBeGreaterThan(1); // the work was shared
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const { rows } = await t.db.pool.query<{ status: string; attempt: number; n: number }>(
      `SELECT status, attempt, count(*)::int AS n FROM "Run" WHERE id = ANY($1) GROUP BY status, attempt`,
      [ids],
    );
    expect(rows).toEqual([{ status: "COMPLETED", attempt: 1, n: 40 }]);
    const { rows: loss } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = ANY($1) AND s.key = 'train/loss'`,
      [ids],
    );
    expect(loss[0]!.n).toBe(80); // 2 steps x 40 runs, no duplicates
  }, 240_000);

  it("a cancel request stops a running run within a step or two", async () => {
    const [id] = await enqueueRuns(t.db.pool, [{ name: "long", config: tinyConfig({ maxSteps: 100_000, epochs: 1000, checkpointEvery: 0 }) }], {
      experiment: `cancel-${target}`,
    });
    const stop = new AbortController();
    const done = worker(t.db.pool, stop.signal, { once: false });
    const stepAtCancel = await waitFor("the run to get going", async () => {
      const { rows } = await t.db.pool.query<{ n: number }>(
        `SELECT max(p.step)::int AS n FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1`,
        [id],
      );
      return (rows[0]?.n ?? 0) >= 5 ? rows[0]!.n : undefined;
    });
    expect(await requestCancel(t.db.pool, id!)).toBe("RUNNING");
    await waitFor("CANCELLED", async () => {
      const { rows } = await t.db.pool.query<{ status: string }>(`SELECT status FROM "Run" WHERE id = $1`, [id]);
      return rows[0]?.status === "CANCELLED";
    });
    stop.abort();
    await done;
    const { rows } = await t.db.pool.query<{ step: number; finishedAt: Date | null }>(`SELECT step, "finishedAt" FROM "Run" WHERE id = $1`, [id]);
    expect(rows[0]!.finishedAt).not.toBeNull();
    expect(rows[0]!.step).toBeLessThan(100_000);
    expect(rows[0]!.step).toBeGreaterThanOrEqual(stepAtCancel);
    // A queued run is cancelled at once, and never claimed.
    const [queued] = await enqueueRuns(t.db.pool, [{ name: "never", config: tinyConfig() }], { experiment: `cancel-${target}` });
    expect(await requestCancel(t.db.pool, queued!)).toBe("CANCELLED");
    const me = await registerWorker(t.db.pool, { host: "h", backend: "cpu", device: "test" });
    expect(await claimNextRun(t.db.pool, me)).toBeUndefined();
  }, 120_000);

  it("a failing run is FAILED with its message and the worker carries on", async () => {
    const bad = { ...tinyConfig(), data: { format: "chars" as const, train: "/nonexistent/corpus.txt" } };
    const ids = await enqueueRuns(
      t.db.pool,
      [
        { name: "bad", config: bad },
        { name: "good", config: tinyConfig() },
      ],
      { experiment: `fail-${target}` },
    );
    const report = await worker(t.db.pool, new AbortController().signal);
    expect(report.runs.map((r) => r.outcome.status)).toEqual(["FAILED", "COMPLETED"]);
    const { rows } = await t.db.pool.query<{ status: string; error: string | null }>(`SELECT status, error FROM "Run" WHERE id = $1`, [ids[0]]);
    expect(rows[0]!.status).toBe("FAILED");
    expect(rows[0]!.error).toMatch(/nonexistent\/corpus\.txt/);
  }, 60_000);

  it("a worker that stops gives its run back; the next one resumes it from the checkpoint", async () => {
    const [id] = await enqueueRuns(t.db.pool, [{ name: "given back", config: tinyConfig({ maxSteps: 30, epochs: 100, checkpointEvery: 50 }) }], {
      experiment: `giveback-${target}`,
    });
    const stop = new AbortController();
    const first = await worker(t.db.pool, stop.signal, { onEvent: (_id, e) => void (e.type === "step" && e.step === 12 && stop.abort()) });
    expect(first.runs.map((r) => r.outcome)).toEqual([{ status: "QUEUED", step: 12 }]);
    const { rows: back } = await t.db.pool.query<{ status: string; attempt: number; workerId: string | null }>(
      `SELECT status, attempt, "workerId" FROM "Run" WHERE id = $1`,
      [id],
    );
    expect(back[0]).toEqual({ status: "QUEUED", attempt: 0, workerId: null }); // giving back costs no attempt
    const steps: number[] = [];
    await worker(t.db.pool, new AbortController().signal, { onEvent: (_id, e) => void (e.type === "step" && steps.push(e.step)) });
    expect(steps[0]).toBe(13); // the shutdown wrote a LAST checkpoint at step 12
    const { rows } = await t.db.pool.query<{ step: number }>(
      `SELECT p.step FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1 AND s.key = 'train/loss' ORDER BY p.step`,
      [id],
    );
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  }, 60_000);

  it("the sweeper marks lapsed runs CRASHED; a worker resumes them from the LAST checkpoint", async () => {
    const [id] = await enqueueRuns(t.db.pool, [{ name: "resume", config: tinyConfig({ maxSteps: 12, checkpointEvery: 4 }) }], {
      experiment: `sweep-${target}`,
    });
    // A first worker trains to step 8, then "dies": we stop it without letting it finish.
    const ghost = await registerWorker(t.db.pool, { host: "ghost", backend: "cpu", device: "test" });
    const claimed = await claimNextRun(t.db.pool, ghost);
    expect(claimed?.id).toBe(id);
    const { executeRun } = await import("../src/execute/execute-run.js");
    const die = new AbortController();
    // Stopping via `shutdown` then forcing the row back to RUNNING simulates a worker that
    // checkpointed at step 8 and vanished without a word.
    const partial = executeRun(claimed!, {
      pool: t.db.pool,
      worker: ghost,
      spoolDir: SPOOL_DIR,
      shutdown: die.signal,
      heartbeatMs: 100_000,
      onEvent: (e) => {
        if (e.type === "checkpoint" && e.step === 8) die.abort();
      },
    });
    await partial;
    await t.db.pool.query(
      `UPDATE "Run" SET status = 'RUNNING', "workerId" = $2, attempt = 1, "heartbeatAt" = now() - interval '1 hour', "heartbeatDueAt" = now() - interval '1 hour' WHERE id = $1`,
      [id, ghost.id],
    ); // its promise broken long ago
    const swept = await sweepLapsedRuns(t.db.pool, 10_000);
    expect(swept.map((s) => s.id)).toContain(id);
    const { rows: crashed } = await t.db.pool.query<{ status: string; error: string }>(`SELECT status, error FROM "Run" WHERE id = $1`, [id]);
    expect(crashed[0]!.status).toBe("CRASHED");
    expect(crashed[0]!.error).toMatch(/heartbeat lapsed.*resume/);

    const steps: number[] = [];
    await worker(t.db.pool, new AbortController().signal, { onEvent: (_id, e) => void (e.type === "step" && steps.push(e.step)) });
    expect(steps[0]).toBe(9); // resumed after the step-8 checkpoint, not from scratch
    const { rows } = await t.db.pool.query<{ status: string; attempt: number }>(`SELECT status, attempt FROM "Run" WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ status: "COMPLETED", attempt: 2 });
    const { rows: series } = await t.db.pool.query<{ step: number }>(
      `SELECT p.step FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1 AND s.key = 'train/loss' ORDER BY p.step`,
      [id],
    );
    expect(series.map((r) => r.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  }, 60_000);
});
