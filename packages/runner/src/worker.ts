// The worker loop: register, then claim and train runs until told to stop (or, with `once`,
// until the queue is empty). Errors never escape the loop: a run that fails is recorded as
// FAILED by executeRun, and a database error while claiming is reported and retried.
import { hostname } from "node:os";
import type { Pool } from "pg";
import type { TrainEvent } from "@unroll/core";
import { claimNextRun, registerWorker, type ClaimedRun } from "./queue/claim.js";
import { sweepLapsedRuns, sweepLostWorkers } from "./queue/sweeper.js";
import { executeRun } from "./execute/execute-run.js";
import { PostgresSink } from "./tracking/postgres-sink.js";
import { replaySpoolDir } from "./tracking/spool.js";
import { startPresence } from "./queue/presence.js";
import type { Outcome } from "./queue/lifecycle.js";

export interface WorkerOptions {
  pool: Pool;
  /** `notice`: "" on the fast path, else why training is slow here and the fix (logged at start). */
  backend: { name: string; device: string; notice?: string };
  concurrency?: number;
  /** Exit when the queue is empty. */
  once?: boolean;
  spoolDir: string;
  dataDir?: string;
  /** Stops the worker: running runs finish their step, checkpoint and go back to the queue. */
  signal: AbortSignal;
  heartbeatMs?: number;
  /** How far past its heartbeat's promise a run may go before the sweeper marks it CRASHED. Default 10 heartbeats + 15 s. */
  lapseMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
  onEvent?: (runId: string, event: TrainEvent) => void;
}

export interface WorkerReport {
  workerId: string;
  runs: { id: string; outcome: Outcome }[];
}

export async function runWorker(options: WorkerOptions): Promise<WorkerReport> {
  const { pool, signal } = options;
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const lapseMs = options.lapseMs ?? heartbeatMs * 10 + 15_000;
  const pollMs = options.pollMs ?? 1000;
  const log = options.log ?? (() => {});
  const concurrency = Math.max(1, options.concurrency ?? 1);

  const worker = await registerWorker(pool, { host: hostname(), backend: options.backend.name, device: options.backend.device });
  log(`worker ${worker.id} on ${worker.host} (${worker.backend}, ${worker.device}), concurrency ${concurrency}`);
  if (options.backend.notice) log(`!! ${options.backend.notice}`);
  const report: WorkerReport = { workerId: worker.id, runs: [] };
  // Records an earlier worker on this machine could not deliver before it stopped.
  const replayed = await replaySpoolDir(options.spoolDir, new PostgresSink(pool), (file, e) => log(`spool ${file}: still cannot be written: ${String(e)}`));
  if (replayed > 0) log(`replayed ${replayed} spooled record batch(es) from ${options.spoolDir}`);

  let active = 0;
  const presence = startPresence(
    pool,
    worker.id,
    heartbeatMs,
    () => active > 0,
    (error) => log(`worker presence: ${String(error)}`),
  );

  const sweep = async () => {
    try {
      for (const r of await sweepLapsedRuns(pool, lapseMs)) {
        log(`run ${r.id}: heartbeat lapsed, marked CRASHED (${r.attempt < r.maxAttempts ? "will resume" : "no attempts left"})`);
      }
      await sweepLostWorkers(pool, lapseMs);
    } catch (error) {
      log(`sweeper: ${String(error)}`);
    }
  };

  const slot = async (): Promise<void> => {
    let lastSweep = 0;
    while (!signal.aborted) {
      if (performance.now() - lastSweep > Math.min(lapseMs / 2, 10_000)) {
        lastSweep = performance.now();
        await sweep();
      }
      let run: ClaimedRun | undefined;
      try {
        run = await claimNextRun(pool, worker);
      } catch (error) {
        log(`claim failed (retrying): ${String(error)}`);
      }
      if (!run) {
        if (options.once) return;
        await sleep(pollMs, signal);
        continue;
      }
      active++;
      log(`run ${run.id} (${run.name}): claimed, attempt ${run.attempt}/${run.maxAttempts}${run.resumed ? ", resuming" : ""}`);
      const outcome = await executeRun(run, {
        pool,
        worker,
        spoolDir: options.spoolDir,
        dataDir: options.dataDir,
        shutdown: signal,
        heartbeatMs,
        onEvent: options.onEvent ? (e) => options.onEvent!(run.id, e) : undefined,
        onWriteError: (e) => log(`run ${run.id}: database write failed, spooling: ${String(e)}`),
        onReconnect: (ms) => log(`run ${run.id}: the database answers again after ${(ms / 1000).toFixed(1)} s; spooled records written`),
      });
      active--;
      report.runs.push({ id: run.id, outcome });
      log(`run ${run.id}: ${outcome.status}${outcome.status === "FAILED" ? ` (${outcome.error.split("\n")[0]})` : ""} at step ${outcome.step}`);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, () => slot()));
  } finally {
    await presence.stop();
  }
  return report;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
