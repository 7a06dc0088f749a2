// A run that never checkpoints, evaluates or samples, trained by a real worker process, beside a
// second worker whose sweeper is quick to call a run crashed. The training loop must leave the
// worker's event loop free between steps: heartbeats at their interval (no false crash, no second
// copy of the run), metrics flushed while it trains, and a cancel that lands within a step or two.
// (Before, such a run sent no heartbeat at all until it did I/O of its own: 44 s without one,
// taken over by the second worker; a cancel took 60 s.)
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, parseExperimentConfig } from "@unroll/core";
import { requestCancel } from "@unroll/db";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { enqueueRuns } from "../src/queue/enqueue.js";
import { runWorker } from "../src/worker.js";
import { SPOOL_DIR, sleep, tinyConfig, waitFor } from "./fixtures.js";

const BIN = fileURLToPath(new URL("../bin/unroll.js", import.meta.url));
const [target] = await testTargets();
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

interface RunRow {
  status: string;
  attempt: number;
  step: number;
  ageMs: number;
  points: number;
}

describe(`a run with no checkpoints beside a second worker, on ${target}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target!);
  }, 120_000);
  afterAll(() => t?.close());

  /** A real `unroll worker` process on the test database; `stderr()` is what it printed so far. */
  const workerProcess = (args: string[], home: string) => {
    const child = spawn(process.execPath, [BIN, "worker", ...args], {
      env: { ...process.env, DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: `${SPOOL_DIR}/home-${home}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let text = "";
    child.stderr.on("data", (d) => (text += d));
    return { child, stderr: () => text, exited: new Promise((r) => child.on("exit", r)) };
  };

  const read = async (id: string): Promise<RunRow> => {
    const { rows } = await t.db.pool.query<RunRow>(
      `SELECT r.status, r.attempt, r.step, (extract(epoch FROM now() - r."heartbeatAt") * 1000)::float8 AS "ageMs",
              (SELECT count(*)::int FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = r.id AND s.key = 'train/loss') AS points
         FROM "Run" r WHERE r.id = $1`,
      [id],
    );
    return rows[0]!;
  };

  it("heartbeats at their interval, flushes metrics while training, is not taken over, and cancels within ~2 s", async () => {
    // An epoch long enough (about 10k steps) that not even its end (validation, best checkpoint) comes within the test.
    const corpus = join(SPOOL_DIR, "..", "long-epoch.txt");
    writeFileSync(corpus, "the quick brown fox jumps over the lazy dog.\n".repeat(9000));
    const tiny = tinyConfig({ maxSteps: 1_000_000, epochs: 1000, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0 });
    const config = parseExperimentConfig({ ...tiny, data: { ...tiny.data, train: corpus } });
    const [id] = await enqueueRuns(t.db.pool, [{ name: "no-checkpoints", config }], { experiment: `no-checkpoints-${target}`, maxAttempts: 3 });
    const heartbeatMs = 500;
    const { child, stderr, exited } = workerProcess(["--heartbeat-ms", String(heartbeatMs)], "no-checkpoints");
    const stop = new AbortController();
    let second: Promise<unknown> | undefined;
    try {
      await waitFor("the child worker to start training", async () => (await read(id!)).step > 0, 60_000);
      // The second worker sweeps every 1.25 s and calls a run crashed after 2.5 s without a heartbeat.
      second = runWorker({
        pool: t.db.pool,
        backend: { name: "cpu", device: "test" },
        spoolDir: SPOOL_DIR,
        signal: stop.signal,
        heartbeatMs: 200,
        lapseMs: 2500,
        pollMs: 100,
      });
      const seen: RunRow[] = [];
      const until = Date.now() + 8000;
      while (Date.now() < until) {
        seen.push(await read(id!));
        await sleep(100);
      }
      const last = seen.at(-1)!;
      expect(
        seen.every((r) => r.status === "RUNNING" && r.attempt === 1),
        JSON.stringify(seen.filter((r) => r.status !== "RUNNING" || r.attempt !== 1).slice(0, 3)),
      ).toBe(true);
      expect(Math.max(...seen.map((r) => r.ageMs))).toBeLessThan(heartbeatMs * 4); // beats keep coming (250 ms apart while stepping)
      expect(last.step).toBeGreaterThan(seen[0]!.step); // it trained all along
      expect(last.points).toBeGreaterThan(0); // the 1 s metric flush ran during training
      expect(last.points).toBeGreaterThan(seen[0]!.points);

      const asked = Date.now();
      await requestCancel(t.db.pool, id!);
      await waitFor("the run to be cancelled", async () => (await read(id!)).status === "CANCELLED", 30_000);
      const took = Date.now() - asked;
      expect(took, `cancel took ${took} ms`).toBeLessThan(3000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nchild stderr:\n${stderr()}`, { cause: error });
    } finally {
      stop.abort();
      await second;
      child.kill("SIGTERM");
      await exited;
    }
    const { rows } = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Run" WHERE id = $1 AND attempt = 1 AND status = 'CANCELLED'`, [id]);
    expect(rows[0]!.n).toBe(1);
  }, 180_000);

  it("a run whose every step takes longer than the sweeper's grace is not called crashed: its heartbeat promises more", async () => {
    // An LSTM of 256 units on the plain-JavaScript backend: about 3 s a step on 2 cores, during
    // which no heartbeat can run (a step is synchronous); the second worker's grace is 1.5 s.
    const tiny = tinyConfig({ maxSteps: 4, epochs: 1, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0 });
    const config = parseExperimentConfig({
      ...tiny,
      model: { cell: "lstm", embeddingSize: 32, hiddenSize: 256 },
      train: { ...tiny.train, batchSize: 16, bptt: 32 },
    });
    const [id] = await enqueueRuns(t.db.pool, [{ name: "long-steps", config }], { experiment: `long-steps-${target}`, maxAttempts: 2 });
    const { child, stderr, exited } = workerProcess(["--once", "--heartbeat-ms", "300"], "long-steps");
    const stop = new AbortController();
    let second: Promise<unknown> | undefined;
    try {
      await waitFor("the child worker to claim the run", async () => (await read(id!)).status === "RUNNING", 60_000);
      second = runWorker({
        pool: t.db.pool,
        backend: { name: "cpu", device: "test" },
        spoolDir: SPOOL_DIR,
        signal: stop.signal,
        heartbeatMs: 200,
        lapseMs: 1500,
        pollMs: 100,
      });
      const statuses = new Set<string>();
      await waitFor(
        "the run to end",
        async () => {
          const r = await read(id!);
          statuses.add(`${r.status}/${r.attempt}`);
          return ["COMPLETED", "FAILED", "CRASHED"].includes(r.status) || r.attempt > 1;
        },
        120_000,
      );
      const end = await read(id!);
      expect(
        [...statuses].filter((s) => !s.startsWith("RUNNING/1") && s !== "QUEUED/0"),
        stderr(),
      ).toEqual(["COMPLETED/1"]);
      expect(end.step).toBe(4);
    } finally {
      stop.abort();
      await second;
      child.kill("SIGTERM");
      await exited;
    }
  }, 180_000);
});
