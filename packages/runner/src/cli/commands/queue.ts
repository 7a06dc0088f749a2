// `unroll enqueue` (one run or a sweep) and `unroll worker`.
import type { TrainEvent } from "@unroll/core";
import { initBackend, UnrollError } from "@unroll/core";
import { applyOverrides } from "@unroll/core";
import { RUN_LIMITS } from "@unroll/db";
import { baseRunName, runName } from "@unroll/domain";
import { enqueueRuns } from "../../queue/enqueue.js";
import { expandSweep, parseSweepAxis } from "../../queue/sweep.js";
import { runWorker } from "../../worker.js";
import { parentPid } from "../../env.js";
import { readConfigFile } from "../config-file.js";
import type { CommandContext } from "../context.js";
import { checkInitRuns, SubmitChecks } from "../submit-checks.js";
import { UsageError } from "../usage-error.js";

export async function enqueueCommand(ctx: CommandContext): Promise<number> {
  const seeds = ctx.integer("seeds", { min: 1 }) ?? 1;
  const maxAttempts = ctx.integer("max-attempts", { min: 1, max: RUN_LIMITS.maxAttempts }); // unset: the column's default (3)
  const base = await readConfigFile(ctx.positionals[0], ctx.strings("set"), { check: false });
  let grid: string[][];
  try {
    grid = expandSweep(ctx.strings("sweep").map(parseSweepAxis), seeds, base.train.seed);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // Check every member of the sweep (schema, data, memory) before queueing any of them.
  const checks = new SubmitChecks({ baseDir: process.cwd(), dataDir: ctx.dataDir, local: false, warn: ctx.err });
  const runs = grid.map((overrides) => {
    const name = runName(baseRunName(base), overrides);
    try {
      return { name, config: checks.check(overrides.length > 0 ? applyOverrides(base, overrides) : base) };
    } catch (error) {
      if (grid.length > 1 && (error instanceof UnrollError || error instanceof UsageError))
        throw new UsageError(`run "${name}" of the sweep: ${error.message}`);
      throw error;
    }
  });
  const db = await ctx.db();
  await checkInitRuns(
    db.pool,
    runs.map((r) => r.config),
    ctx.err,
  );
  const experiment = ctx.string("experiment") ?? base.name ?? "default";
  const ids = await enqueueRuns(db.pool, runs, { experiment, maxAttempts });
  if (ctx.json) ctx.out(JSON.stringify({ experiment, runIds: ids }));
  else {
    ctx.err(`queued ${ids.length} run${ids.length === 1 ? "" : "s"} in experiment "${experiment}"`);
    for (const id of ids) ctx.out(id);
  }
  return 0;
}

export async function workerCommand(ctx: CommandContext): Promise<number> {
  const concurrency = ctx.number("concurrency") ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer, got ${concurrency}`);
  const backend = await initBackend();
  const db = await ctx.db();
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    if (stop.signal.aborted) process.exit(130);
    ctx.err(`${signal}: finishing the current step, checkpointing and giving runs back to the queue (again to exit at once)`);
    stop.abort();
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  // Started by `unroll up`: stop as on SIGTERM when that parent is gone (kill -9 leaves no signal).
  const parent = parentPid();
  const orphanCheck =
    parent === undefined
      ? undefined
      : setInterval(() => {
          if (process.ppid !== parent) {
            clearInterval(orphanCheck);
            ctx.err(`the parent \`unroll up\` (pid ${parent}) is gone`);
            onTerm();
          }
        }, 1000);
  try {
    const report = await runWorker({
      pool: db.pool,
      backend: { name: backend.name, device: backend.device, notice: backend.notice },
      concurrency,
      once: ctx.flag("once"),
      spoolDir: ctx.spoolDir,
      dataDir: ctx.dataDir,
      signal: stop.signal,
      heartbeatMs: ctx.integer("heartbeat-ms", { min: 50 }),
      log: (line) => ctx.err(line),
      onEvent: ctx.json ? undefined : (runId: string, e: TrainEvent) => logProgress(ctx, runId, e),
    });
    if (ctx.json) ctx.out(JSON.stringify(report));
    return 0;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    clearInterval(orphanCheck);
  }
}

const lastLine = new Map<string, number>();
function logProgress(ctx: CommandContext, runId: string, e: TrainEvent): void {
  if (e.type === "start") for (const w of e.warnings ?? []) ctx.err(`run ${runId}: warning: ${w}`);
  if (e.type === "eval")
    ctx.err(
      `run ${runId} step ${e.step}: ${Object.entries(e.metrics)
        .map(([k, v]) => `${e.split}/${k} ${v.toPrecision(4)}`)
        .join(" ")}`,
    );
  if (e.type !== "step") return;
  const now = performance.now();
  if (now - (lastLine.get(runId) ?? 0) < 10_000) return;
  lastLine.set(runId, now);
  ctx.err(`run ${runId} step ${e.step}: loss ${e.loss.toPrecision(4)}, ${Math.round(e.tokensPerSecond)} tok/s`);
}
