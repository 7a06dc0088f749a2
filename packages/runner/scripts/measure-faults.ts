// What a crash, an outage and a partition cost a run, with the defaults a user gets (heartbeat
// 2 s, lapse 10 heartbeats + 15 s, connect timeout 10 s, answer timeout 60 s). Prints one line
// per fault and a JSON object last; the figures are in packages/runner/README.md.
//
//   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx scripts/measure-faults.ts
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createDb, type Db } from "@unroll/db";
import { createTestDatabase, testTargets } from "@unroll/db/testing";
import { initBackend } from "@unroll/core";
import { enqueueRuns } from "../src/queue/enqueue.js";
import { runWorker } from "../src/worker.js";
import { SPOOL_DIR, sleep, tinyConfig, waitFor } from "../test/fixtures.js";
import { TcpProxy } from "../test/tcp-proxy.js";

const BIN = fileURLToPath(new URL("../bin/unroll.js", import.meta.url));
await initBackend({ backend: "cpu" });
const [target] = await testTargets();
const t = await createTestDatabase(target!);
const q = async <T extends object>(sql: string, args: unknown[] = []) => (await t.db.pool.query<T & Record<string, unknown>>(sql, args)).rows;
const lossSteps = async (id: string) =>
  (
    await q<{ n: number }>(
      `SELECT count(DISTINCT p.step)::int AS n FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1 AND s.key = 'train/loss'`,
      [id],
    )
  )[0]!.n;
const results: Record<string, unknown> = { target };

// 1. kill -9 of the worker that trains a run (checkpoint every 100 steps), a second worker waiting.
{
  const steps = 3000;
  const [id] = await enqueueRuns(t.db.pool, [{ name: "crash", config: tinyConfig({ maxSteps: steps, epochs: 1000, checkpointEvery: 100 }) }], {
    experiment: "faults",
    maxAttempts: 3,
  });
  const child = spawn(process.execPath, [BIN, "worker"], {
    env: { ...process.env, DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: `${SPOOL_DIR}/crash` },
    stdio: "ignore",
  });
  await waitFor(
    "a checkpoint past step 300",
    async () => ((await q<{ step: number }>(`SELECT step FROM "Checkpoint" WHERE "runId" = $1 AND kind = 'LAST'`, [id]))[0]?.step ?? 0) >= 300,
    120_000,
  );
  const [before] = await q<{ step: number; cp: number }>(
    `SELECT r.step, c.step AS cp FROM "Run" r JOIN "Checkpoint" c ON c."runId" = r.id AND c.kind = 'LAST' WHERE r.id = $1`,
    [id],
  );
  child.kill("SIGKILL");
  const killedAt = Date.now();
  const stop = new AbortController();
  let resumedAt = 0;
  let resumedStep = 0;
  const second = runWorker({
    pool: t.db.pool,
    backend: { name: "cpu", device: "measure" },
    spoolDir: SPOOL_DIR,
    signal: stop.signal,
    onEvent: (_r, e) => void (e.type === "step" && !resumedAt && ((resumedAt = Date.now()), (resumedStep = e.step))),
  });
  await waitFor(
    "CRASHED",
    async () =>
      (await q<{ status: string; attempt: number }>(`SELECT status, attempt FROM "Run" WHERE id = $1`, [id]))[0]!.attempt === 2 ||
      (await q<{ status: string }>(`SELECT status FROM "Run" WHERE id = $1`, [id]))[0]!.status === "CRASHED",
    120_000,
  );
  const detectedAt = Date.now();
  await waitFor("COMPLETED", async () => (await q<{ status: string }>(`SELECT status FROM "Run" WHERE id = $1`, [id]))[0]!.status === "COMPLETED", 300_000);
  stop.abort();
  await second;
  results["crash"] = {
    detectS: (detectedAt - killedAt) / 1000,
    resumeS: (resumedAt - killedAt) / 1000,
    stepAtKill: before!.step,
    checkpointStep: before!.cp,
    resumedAtStep: resumedStep,
    stepsRetrained: before!.step - before!.cp,
    lossSteps: await lossSteps(id!),
    steps,
  };
  console.log("crash", JSON.stringify(results["crash"]));
}

// 2 and 3: the database refuses connections (outage) or goes silent (partition) for 10 s mid-run.
for (const fault of ["outage", "partition"] as const) {
  const u = new URL(t.url);
  const proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
  await proxy.start();
  const db: Db = await createDb({ url: proxy.url(t.url), max: 3 });
  const steps = 4000;
  const [id] = await enqueueRuns(t.db.pool, [{ name: fault, config: tinyConfig({ maxSteps: steps, epochs: 1000, checkpointEvery: 200, evalEvery: 500 }) }], {
    experiment: "faults",
  });
  const stepAt: number[] = [];
  let faultAt = 0;
  let endedAt = 0;
  const log: string[] = [];
  const done = runWorker({
    pool: db.pool,
    backend: { name: "cpu", device: "measure" },
    once: true,
    spoolDir: SPOOL_DIR,
    signal: new AbortController().signal,
    log: (l) => log.push(l),
    onEvent: (_r, e) => {
      if (e.type !== "step") return;
      stepAt[e.step] = performance.now();
      if (e.step === 100) {
        faultAt = performance.now();
        if (fault === "outage") void proxy.cut().then(() => setTimeout(() => void proxy.restore().then(() => (endedAt = performance.now())), 10_000));
        else {
          proxy.blackhole();
          setTimeout(() => (proxy.heal(), (endedAt = performance.now())), 10_000);
        }
      }
    },
  });
  await done;
  const finishedAt = performance.now();
  await db.close();
  await proxy.cut();
  const gaps = stepAt.slice(2).map((at, i) => at - stepAt[i + 1]!);
  const [row] = await q<{ status: string }>(`SELECT status FROM "Run" WHERE id = $1`, [id]);
  results[fault] = {
    maxStepStallS: Math.max(...gaps) / 1000,
    trainingS: (stepAt[steps]! - stepAt[1]!) / 1000,
    faultS: (endedAt - faultAt) / 1000,
    allWrittenAfterFaultEndS: (finishedAt - endedAt) / 1000,
    status: row!.status,
    lossSteps: await lossSteps(id!),
    steps,
    writeErrors: log.filter((l) => /write failed/.test(l)).length,
  };
  console.log(fault, JSON.stringify(results[fault]));
  await sleep(100);
}
await t.close();
console.log(JSON.stringify(results));
process.exit(0);
