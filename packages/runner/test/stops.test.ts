// Stops as they happen: kill -9 of `unroll up` (its worker child must not train on as an orphan),
// and Ctrl-C of `unroll train` while the database does not answer (the stop must end in bounded
// time, say where the run stands, and leave what it could not write in the spool).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pidAlive } from "@unroll/db";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { PostgresSink } from "../src/tracking/postgres-sink.js";
import { replaySpoolDir } from "../src/tracking/spool.js";
import { CORPUS, waitFor } from "./fixtures.js";
import { TcpProxy } from "./tcp-proxy.js";

const BIN = fileURLToPath(new URL("../bin/unroll.js", import.meta.url));
const [target] = await testTargets();

describe(`stops, on ${target}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target!);
  }, 120_000);
  afterAll(() => t?.close());

  it("kill -9 of `unroll up`: its worker notices within seconds and stops (STOPPED), no orphan; up's first line names the slow path", async () => {
    const home = mkdtempSync(join(tmpdir(), "unroll-up-"));
    const up = spawn(process.execPath, [BIN, "up", "--no-demo", "--no-dashboard"], {
      // without the native addon, as on a machine without OpenBLAS: `pnpm start`'s first line says so
      env: { ...process.env, DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: home, UNROLL_NATIVE_BLAS: "0" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    up.stderr.on("data", (d) => (stderr += d));
    const upExited = new Promise((r) => up.on("exit", r));
    let workerPid = 0;
    try {
      const row = await waitFor(
        "the worker child to register",
        async () =>
          (
            await t.db.pool.query<{ pid: number }>(
              `SELECT pid FROM "Worker" WHERE pid <> $1 AND status IN ('IDLE', 'BUSY') ORDER BY "startedAt" DESC LIMIT 1`,
              [up.pid],
            )
          ).rows[0],
        60_000,
      );
      workerPid = row.pid;
      expect(pidAlive(workerPid)).toBe(true);
      expect(stderr.split("\n")[0]).toMatch(/^!! slow path: no OpenBLAS \(the addon is turned off by UNROLL_NATIVE_BLAS=0\)/);
      up.kill("SIGKILL");
      await upExited;
      await waitFor("the orphaned worker to stop", async () => !pidAlive(workerPid), 15_000);
      const { rows } = await t.db.pool.query<{ status: string }>(`SELECT status FROM "Worker" WHERE pid = $1`, [workerPid]);
      expect(rows[0]?.status).toBe("STOPPED");
    } catch (error) {
      throw new Error(`${(error as Error).message}\nup stderr:\n${stderr}`, { cause: error });
    } finally {
      up.kill("SIGKILL");
      if (workerPid && pidAlive(workerPid)) process.kill(workerPid, "SIGKILL");
    }
  }, 120_000);

  it("Ctrl-C of `unroll train` while the database is silent ends within the grace, says so, and spools the rest", async () => {
    const u = new URL(t.url);
    const proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
    await proxy.start();
    const home = mkdtempSync(join(tmpdir(), "unroll-train-stop-"));
    const config = JSON.stringify({
      task: "lm",
      data: { format: "chars", train: CORPUS },
      model: { cell: "elman", embeddingSize: 8, hiddenSize: 8 },
      train: { batchSize: 4, bptt: 8, maxSteps: 1_000_000, epochs: 1000, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0, evalBatches: 1 },
    });
    const file = join(home, "long.json");
    (await import("node:fs")).writeFileSync(file, config);
    const child = spawn(process.execPath, [BIN, "train", file, "--json"], {
      env: { ...process.env, DATABASE_URL: proxy.url(t.url), UNROLL_BACKEND: "cpu", UNROLL_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      await waitFor(
        "training to start",
        async () => (await t.db.pool.query<{ step: number }>(`SELECT step FROM "Run" WHERE status = 'RUNNING' AND step > 20`)).rows[0],
        60_000,
      );
      proxy.blackhole();
      const asked = Date.now();
      child.kill("SIGINT");
      await exited;
      const took = Date.now() - asked;
      expect(took, stderr).toBeLessThan(25_000); // 15 s of grace, then 2 s for the outcome
      expect(stderr).toMatch(/stopping after this step; within 15 s/);
      expect(stderr).toMatch(/the database did not answer in time: \d+ record batch\(es\) wait in .*\.jsonl/);
      const summary = JSON.parse(stdout.trim().split("\n").pop()!) as {
        runId: string;
        status: string;
        steps: number;
        spooled: { batches: number; file: string };
      };
      expect(summary.status).toBe("CANCELLED");
      expect(summary.spooled.batches).toBeGreaterThan(0);
      expect(existsSync(summary.spooled.file)).toBe(true);
      // The next worker on this machine writes what waited: every step's loss arrives.
      proxy.heal();
      const spoolDir = join(home, "spool");
      expect(readdirSync(spoolDir).some((f) => f.endsWith(".jsonl"))).toBe(true);
      await replaySpoolDir(spoolDir, new PostgresSink(t.db.pool), (f, e) => {
        throw new Error(`${f}: ${String(e)}`);
      });
      const { rows } = await t.db.pool.query<{ n: number; max: number }>(
        `SELECT count(*)::int AS n, max(p.step)::int AS max FROM "MetricPoint" p JOIN "MetricSeries" s ON s.id = p."seriesId" WHERE s."runId" = $1 AND s.key = 'train/loss'`,
        [summary.runId],
      );
      expect(rows[0]).toEqual({ n: summary.steps, max: summary.steps });
    } finally {
      child.kill("SIGKILL");
      await proxy.cut();
    }
  }, 120_000);
});
