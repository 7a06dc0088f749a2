// What must survive: a worker killed with SIGKILL mid-run, and the database going away mid-run.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { initBackend } from "@unroll/core";
import { createDb } from "@unroll/db";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { enqueueRuns } from "../src/queue/enqueue.js";
import { DB_UNREACHABLE_KEY } from "@unroll/domain";
import { runWorker } from "../src/worker.js";
import { SPOOL_DIR, tinyConfig, waitFor } from "./fixtures.js";
import { TcpProxy } from "./tcp-proxy.js";

const BIN = fileURLToPath(new URL("../bin/unroll.js", import.meta.url));
const targets = await testTargets();
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

async function series(pool: pg.Pool, runId: string, key = "train/loss"): Promise<number[]> {
  const { rows } = await pool.query<{ step: number }>(
    `SELECT p.step FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1 AND s.key = $2 ORDER BY p.step`,
    [runId, key],
  );
  return rows.map((r) => r.step);
}

async function status(pool: pg.Pool, runId: string): Promise<{ status: string; attempt: number; error: string | null }> {
  const { rows } = await pool.query(`SELECT status, attempt, error FROM "Run" WHERE id = $1`, [runId]);
  return rows[0];
}

describe.each(targets)("resilience on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  }, 120_000);
  afterAll(() => t?.close());

  it("a worker killed with SIGKILL mid-run: CRASHED, resumed by another worker from its checkpoint, no gap, no duplicate", async () => {
    const steps = 120;
    const [id] = await enqueueRuns(t.db.pool, [{ name: "killed", config: tinyConfig({ maxSteps: steps, epochs: 100, checkpointEvery: 10 }) }], {
      experiment: `kill-${target}`,
      maxAttempts: 3,
    });
    const child = spawn(process.execPath, [BIN, "worker", "--heartbeat-ms", "200"], {
      env: { ...process.env, DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: `${SPOOL_DIR}/home-${target}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((r) => child.on("exit", r));
    try {
      await waitFor(
        "the child worker to checkpoint past step 30",
        async () => {
          const { rows } = await t.db.pool.query<{ step: number }>(`SELECT step FROM "Checkpoint" WHERE "runId" = $1 AND kind = 'LAST'`, [id]);
          return (rows[0]?.step ?? 0) >= 30;
        },
        90_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nchild stderr:\n${stderr}`, { cause: error });
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect((await status(t.db.pool, id!)).status).toBe("RUNNING"); // nobody has noticed yet

    const stop = new AbortController();
    const resumedAt: number[] = [];
    const done = runWorker({
      pool: t.db.pool,
      backend: { name: "cpu", device: "test" },
      spoolDir: SPOOL_DIR,
      signal: stop.signal,
      heartbeatMs: 200,
      lapseMs: 1500,
      pollMs: 100,
      onEvent: (_id, e) => void (e.type === "step" && resumedAt.length === 0 && resumedAt.push(e.step)),
    });
    await waitFor("the run to complete on the second worker", async () => (await status(t.db.pool, id!)).status === "COMPLETED", 90_000);
    stop.abort();
    await done;
    const s = await status(t.db.pool, id!);
    expect(s.attempt).toBe(2);
    expect(resumedAt[0]).toBeGreaterThan(30); // resumed from the checkpoint, not from step 1
    expect(await series(t.db.pool, id!)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  }, 240_000);

  it("the database stops and comes back mid-run: no metric lost, the run completes", async () => {
    const u = new URL(t.url);
    const proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
    await proxy.start();
    const pool = new pg.Pool({ connectionString: proxy.url(t.url), max: 3, connectionTimeoutMillis: 1000 });
    pool.on("error", () => {});
    const steps = 400;
    const [id] = await enqueueRuns(
      t.db.pool,
      [{ name: "outage", config: tinyConfig({ maxSteps: steps, epochs: 100, checkpointEvery: 50, evalEvery: 100, sampleEvery: 100 }) }],
      { experiment: `outage-${target}` },
    );
    let cutAt = 0;
    let restored = false;
    const errors: string[] = [];
    try {
      await runWorker({
        pool,
        backend: { name: "cpu", device: "test" },
        once: true,
        spoolDir: SPOOL_DIR,
        signal: new AbortController().signal,
        heartbeatMs: 200,
        lapseMs: 120_000,
        log: (line) => errors.push(line),
        onEvent: (_id, e) => {
          if (e.type !== "step") return;
          if (e.step === 20) {
            cutAt = e.step;
            void proxy.cut().then(() => setTimeout(() => void proxy.restore().then(() => (restored = true)), 1500));
          }
        },
      });
    } finally {
      await pool.end();
      await proxy.cut();
    }
    expect(cutAt).toBe(20);
    expect(restored).toBe(true);
    expect(errors.some((l) => /database write failed, spooling/.test(l))).toBe(true); // the outage was felt
    expect((await status(t.db.pool, id!)).status).toBe("COMPLETED");
    expect(await series(t.db.pool, id!)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    const { rows } = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Sample" WHERE "runId" = $1`, [id]);
    expect(rows[0]!.n).toBeGreaterThan(0);
  }, 240_000);

  it("the database is blackholed mid-run (no answer, no reset): every wait is bounded, the stall is logged, nothing is lost", async () => {
    const u = new URL(t.url);
    const proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
    await proxy.start();
    // The bounds every worker has (UNROLL_DB_*_TIMEOUT_MS), shortened for the test.
    const db = await createDb({ url: proxy.url(t.url), max: 3, connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
    const steps = 300;
    const [id] = await enqueueRuns(
      t.db.pool,
      [{ name: "partition", config: tinyConfig({ maxSteps: steps, epochs: 100, checkpointEvery: 25, evalEvery: 100 }) }],
      { experiment: `partition-${target}` },
    );
    const log: string[] = [];
    const stepAt: number[] = [];
    let healedAt = 0;
    try {
      await runWorker({
        pool: db.pool,
        backend: { name: "cpu", device: "test" },
        once: true,
        spoolDir: SPOOL_DIR,
        signal: new AbortController().signal,
        heartbeatMs: 200,
        lapseMs: 120_000,
        log: (line) => log.push(line),
        onEvent: (_id, e) => {
          if (e.type !== "step") return;
          stepAt[e.step] = performance.now();
          if (e.step === 20) {
            proxy.blackhole();
            setTimeout(() => {
              proxy.heal();
              healedAt = performance.now();
            }, 10_000);
          }
        },
      });
    } finally {
      await db.close();
      await proxy.cut();
    }
    expect(healedAt).toBeGreaterThan(0);
    expect(
      log.some((l) => /database write failed, spooling: .*timeout/i.test(l)),
      log.slice(0, 5).join("\n"),
    ).toBe(true); // reported, with why
    // Training went on while the database was silent: a step waits at most for the previous
    // checkpoint's write to time out and spool (a few timeouts: ~3 s here), not for the 10 s
    // partition to end (with pg's default of no timeout it waits for the whole partition).
    const gaps = stepAt.slice(2).map((at, i) => at - stepAt[i + 1]!);
    expect(Math.max(...gaps)).toBeLessThan(7000);
    expect(stepAt[steps]! - stepAt[21]!).toBeGreaterThan(0);
    expect((await status(t.db.pool, id!)).status).toBe("COMPLETED");
    expect(await series(t.db.pool, id!)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    // The outage is on record with the run, and in the worker's log.
    const { rows } = await t.db.pool.query<{ value: number }>(
      `SELECT p.value FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1 AND s.key = $2`,
      [id, DB_UNREACHABLE_KEY],
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...rows.map((r) => r.value))).toBeGreaterThan(5); // most of the 10 s partition
    expect(log.some((l) => /the database answers again after \d+\.\d s/.test(l))).toBe(true);
  }, 240_000);
});
