// Trains one claimed run with core and records everything it reports. Never throws: every
// outcome (completed, cancelled, failed, given back) is written to the run's row.
import type { Pool } from "pg";
import { ConfigError, parseExperimentConfig, runExperiment, runRefOf, type TrainEvent } from "@unroll/core";
import { DB_UNREACHABLE_KEY, DIAGNOSTIC_KINDS, entityTypeSeries, METRIC_KEYS, summaryKey, type StartNotesDoc, type TagReportDoc } from "@unroll/domain";
import { finishRun, heartbeat, markStarted, type Outcome } from "../queue/lifecycle.js";
import type { ClaimedRun, WorkerIdentity } from "../queue/claim.js";
import { RunLogger } from "../tracking/run-logger.js";
import { PostgresSink, readCheckpoint } from "../tracking/postgres-sink.js";
import { Spool } from "../tracking/spool.js";
import { SystemSampler } from "./system-metrics.js";
import { resolveRunId } from "../cli/run-ref.js";

export interface ExecuteOptions {
  pool: Pool;
  worker: WorkerIdentity;
  /** Where spool files go while the database is unreachable. */
  spoolDir: string;
  dataDir?: string;
  /** Aborted when the worker shuts down: the run is checkpointed and given back to the queue. */
  shutdown: AbortSignal;
  /** Aborted to cancel the run from this process (Ctrl-C of `unroll train`), even with the database away. */
  cancel?: AbortSignal;
  heartbeatMs: number;
  /** Every event, for a progress display. */
  onEvent?: (event: TrainEvent) => void;
  /** Told about database write errors (records are spooled meanwhile). */
  onWriteError?: (error: unknown) => void;
  /** How long the end of a run waits for an unreachable database (default 2 minutes). */
  drainTimeoutMs?: number;
  /**
   * After a cancel or shutdown, how long the run may still wait for the database (default 30 s):
   * then whatever is not written goes to the spool file and the run ends, so a stop is bounded
   * even when the database hangs. The next worker on this machine replays the spool.
   */
  stopGraceMs?: number;
  /** Told when the database answers again after failed writes, with how long it was away (ms). */
  onReconnect?: (awayMs: number) => void;
  /** Told when a stop ran out of grace: how many record batches went to which spool file. */
  onAbandon?: (spooled: number, spoolFile: string) => void;
}

/** What a run's first heartbeat promises: the next one within a minute (data loading, the first step). */
const FIRST_STEP_MS = 60_000;
/**
 * How much slower than the slowest so far a step may get before its heartbeat is overdue (other
 * jobs on the machine slow steps down).
 */
const STEP_PROMISE_FACTOR = 4;

export async function executeRun(run: ClaimedRun, options: ExecuteOptions): Promise<Outcome> {
  const { pool, worker } = options;
  const stop = new AbortController();
  let stopReason: "cancel" | "shutdown" | "lost" | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let onGraceOver = () => {};
  /** Resolves once a stop ran out of grace and everything unwritten was spooled. */
  const graceOver = new Promise<void>((resolve) => (onGraceOver = resolve));
  let finished = false; // the outcome is being recorded: late heartbeats and stops change nothing
  const stopFor = (reason: "cancel" | "shutdown" | "lost") => {
    if (finished) return;
    stopReason ??= reason;
    stop.abort();
    graceTimer ??= setTimeout(() => {
      logger
        .abandon()
        .then(
          (n) => options.onAbandon?.(n, spool.file),
          (error: unknown) => options.onWriteError?.(error), // the spool itself failed (disk full?): said, not thrown
        )
        .finally(onGraceOver);
    }, options.stopGraceMs ?? 30_000);
  };
  const onShutdown = () => stopFor("shutdown");
  options.shutdown.addEventListener("abort", onShutdown);
  if (options.shutdown.aborted) onShutdown();
  const onCancel = () => stopFor("cancel");
  options.cancel?.addEventListener("abort", onCancel);

  const spool = new Spool(`${options.spoolDir}/${run.id}.jsonl`);
  const logger = new RunLogger({
    sink: new PostgresSink(pool),
    spool,
    onWriteError: options.onWriteError,
    // The run page shows the outage as a series of its own; the worker's log says it too.
    onReconnect: (awayMs) => {
      logger.metric(run.id, DB_UNREACHABLE_KEY, step, awayMs / 1000);
      options.onReconnect?.(awayMs);
    },
  });
  const system = new SystemSampler();
  let checkpointWrite: Promise<void> = Promise.resolve();
  let step = 0;
  let lastSystemAt = 0;

  // A heartbeat promises the next one (stored with it; the sweeper judges by it) and carries cancel
  // requests and ownership back. Heartbeats run between steps (the trainer yields after each), so
  // the promise covers the longest stretch seen between two steps (a step, with any evaluation or
  // checkpoint after it) STEP_PROMISE_FACTOR times over; before the first step, FIRST_STEP_MS
  // (loading data, the first step's warm-up).
  let beating = false;
  let lastBeatAt = performance.now();
  let startedAt: number | undefined; // the trainer's "start" event
  let lastStepAt: number | undefined;
  let longestStepMs = 0;
  const promiseMs = () => Math.max(options.heartbeatMs, lastStepAt === undefined ? FIRST_STEP_MS : STEP_PROMISE_FACTOR * longestStepMs);
  let beatAgain = false;
  const beat = async () => {
    if (finished) return;
    if (beating) {
      // One is in flight (its answer waits for the next turn of the event loop): send another as
      // soon as it is answered, which is before the next step starts, so no step goes unbeaten.
      beatAgain = true;
      return;
    }
    beating = true;
    lastBeatAt = performance.now();
    try {
      const state = await heartbeat(pool, run.id, worker.id, step, promiseMs());
      if (state !== "ok") stopFor(state);
    } catch (error) {
      options.onWriteError?.(error); // the database is away; the sweeper's grace covers short outages
    } finally {
      beating = false;
      if (beatAgain) {
        beatAgain = false;
        void beat();
      }
    }
  };
  const timer = setInterval(() => void beat(), options.heartbeatMs);
  void beat(); // the first promise, at once: the claim left none

  let outcome: Outcome;
  try {
    const config = parseExperimentConfig(run.config);
    // A run that crashed or was given back continues from its LAST checkpoint (a new one has
    // none), with its BEST one for testing with the best validation's weights at the end.
    const resume = (await readCheckpoint(pool, run.id, "LAST"))?.data;
    const resumeBest = resume ? (await readCheckpoint(pool, run.id, "BEST"))?.data : undefined;
    // model.init = run:ID starts the model from another tracked run's best checkpoint (a new run only)
    const init = !resume && config.model.init ? await readInitRun(pool, config.model.init) : undefined;
    let summary: Record<string, number> = {};
    let testByType: Record<string, number> = {}; // test_f1/PER ...: the test report's per-type scores, for the summary
    await runExperiment(config, {
      dataDir: options.dataDir,
      signal: stop.signal,
      resume,
      resumeBest,
      init,
      onEvent: async (event) => {
        options.onEvent?.(event);
        switch (event.type) {
          case "start":
            startedAt = performance.now();
            await markStarted(pool, run.id, worker.id, { paramCount: event.params, backend: worker.backend, device: worker.device }).catch(
              options.onWriteError,
            );
            // what it started with (vectors' coverage, what model.init copied, data repairs), for the run page and `unroll show`
            if (event.warnings?.length) {
              const doc: StartNotesDoc = { lines: event.warnings };
              logger.diagnostic({ runId: run.id, step: event.step, kind: DIAGNOSTIC_KINDS.startNotes, data: doc });
            }
            break;
          case "step": {
            step = event.step;
            const at = performance.now();
            const first = lastStepAt === undefined;
            longestStepMs = Math.max(longestStepMs, at - (lastStepAt ?? startedAt ?? at));
            lastStepAt = at;
            if (first) void beat(); // the promise shrinks from FIRST_STEP_MS to what steps take
            logger.metric(run.id, METRIC_KEYS.trainLoss, event.step, event.loss);
            logger.metric(run.id, METRIC_KEYS.trainLr, event.step, event.lr);
            logger.metric(run.id, METRIC_KEYS.trainTokensPerSecond, event.step, event.tokensPerSecond);
            logger.metric(run.id, METRIC_KEYS.trainTokens, event.step, event.tokens);
            logger.metric(run.id, METRIC_KEYS.trainEpoch, event.step, event.epoch);
            const now = performance.now();
            // Cancel requests reach a fast run within a step or two, not only at the next heartbeat.
            if (now - lastBeatAt > 250) void beat();
            if (now - lastSystemAt > 5000) {
              lastSystemAt = now;
              for (const [key, value] of Object.entries(system.sample())) logger.metric(run.id, key, event.step, value);
            }
            break;
          }
          case "eval":
            for (const [key, value] of Object.entries(event.metrics)) logger.metric(run.id, `${event.split}/${key}`, event.step, value);
            break;
          case "diagnostics":
            // one lossless JSON document per kind and validation (the Diagnostic table)
            if (event.gradNorm) logger.diagnostic({ runId: run.id, step: event.step, kind: DIAGNOSTIC_KINDS.gradNorm, data: event.gradNorm });
            if (event.lossByPosition) logger.diagnostic({ runId: run.id, step: event.step, kind: DIAGNOSTIC_KINDS.lossByPosition, data: event.lossByPosition });
            break;
          case "tagReport": {
            // a tagger's tag confusion and per-type entity scores (the run page's tables), and the per-type series
            const doc: TagReportDoc = { ...event.report, ...(event.weightsStep !== undefined ? { weightsStep: event.weightsStep } : {}) };
            const kind = event.split === "test" ? DIAGNOSTIC_KINDS.tagReportTest : DIAGNOSTIC_KINDS.tagReportValid;
            logger.diagnostic({ runId: run.id, step: event.step, kind, data: doc });
            const series = entityTypeSeries(event.split, doc);
            for (const [key, value] of Object.entries(series)) logger.metric(run.id, key, event.step, value);
            if (event.split === "test") testByType = Object.fromEntries(Object.entries(series).map(([key, value]) => [summaryKey(key), value]));
            break;
          }
          case "sample":
            logger.sample({ runId: run.id, step: event.step, prompt: event.prompt, text: event.text, params: event.options });
            break;
          case "checkpoint":
            // Written while training goes on, at most one in flight: a slow or unreachable database
            // holds training up only when the previous checkpoint is not stored or spooled yet.
            await checkpointWrite;
            checkpointWrite = logger.checkpoint({
              runId: run.id,
              step: event.step,
              kind: event.kind === "best" ? "BEST" : "LAST",
              metrics: event.metrics,
              format: "unroll-safetensors-v1",
              data: event.data,
            });
            break;
          case "end":
            summary = { ...event.metrics, ...testByType };
            step = event.step;
            break;
        }
      },
    });
    await checkpointWrite;
    await logger.close();
    await logger.drain(options.drainTimeoutMs ?? 120_000);
    if (stopReason === "cancel") outcome = { status: "CANCELLED", summary, step };
    else if (stopReason === "shutdown") outcome = { status: "QUEUED", step };
    else if (stopReason === "lost") outcome = { status: "FAILED", error: "lost ownership (heartbeat lapsed and the run was taken over)", step };
    else outcome = { status: "COMPLETED", summary, step };
  } catch (error) {
    await checkpointWrite;
    await logger.close();
    await logger.drain(options.drainTimeoutMs ?? 120_000);
    outcome = { status: "FAILED", error: describeError(error), step };
  } finally {
    finished = true;
    clearInterval(timer);
    options.shutdown.removeEventListener("abort", onShutdown);
    options.cancel?.removeEventListener("abort", onCancel);
  }
  if (stopReason !== "lost") await recordOutcome(options, run.id, outcome, graceOver);
  clearTimeout(graceTimer);
  return outcome;
}

/** The best (else last) checkpoint of the run model.init names with run:ID (a full id or its unique start); undefined for a file path. */
async function readInitRun(pool: Pool, init: string): Promise<Uint8Array | undefined> {
  const ref = runRefOf(init);
  if (ref === undefined) return undefined;
  // the CLI's reading of a run reference (a full id or its unique start), its message kept
  const id = await resolveRunId(pool, ref).catch((error: unknown) => {
    throw new ConfigError((error as Error).message, "model.init");
  });
  const found = (await readCheckpoint(pool, id, "BEST")) ?? (await readCheckpoint(pool, id, "LAST"));
  if (!found)
    throw new ConfigError(
      `run ${id} has no checkpoint yet (it writes one at train.checkpointEvery and at its end): wait for it, or give a checkpoint file`,
      "model.init",
    );
  return found.data;
}

/**
 * Writes the outcome, retrying while the database is away (the sweeper's grace covers the wait).
 * Once a stop has run out of grace (`graceOver`), it gives up 2 s later: the run stays RUNNING and
 * the sweeper marks it CRASHED, to resume from its last checkpoint.
 */
async function recordOutcome(options: ExecuteOptions, runId: string, outcome: Outcome, graceOver: Promise<void>): Promise<void> {
  const deadline = Date.now() + (options.drainTimeoutMs ?? 120_000);
  const giveUp = graceOver.then(() => new Promise<"gave up">((resolve) => setTimeout(() => resolve("gave up"), 2000).unref()));
  for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
    const attempt = finishRun(options.pool, runId, options.worker.id, outcome).then(
      () => "written" as const,
      (error: unknown) => (options.onWriteError?.(error), "failed" as const),
    );
    const result = await Promise.race([attempt, giveUp]);
    if (result !== "failed" || Date.now() + wait > deadline) return;
    await new Promise((r) => setTimeout(r, wait));
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? `\n${error.stack.split("\n").slice(1, 6).join("\n")}` : ""}`;
  return String(error);
}
