// `unroll train <config> [--set key=value]... [--experiment NAME] [--json]`: trains in this
// process, tracked like any run, with a progress bar; Ctrl-C stops after the current step.
import { hostname } from "node:os";
import { initBackend } from "@unroll/core";
import { baseRunName } from "@unroll/domain";
import { claimRun, registerWorker } from "../../queue/claim.js";
import { enqueueRuns } from "../../queue/enqueue.js";
import { requestCancel } from "@unroll/db";
import { executeRun } from "../../execute/execute-run.js";
import { readConfigFile } from "../config-file.js";
import { checkInitRuns } from "../submit-checks.js";
import { startPresence } from "../../queue/presence.js";
import { ProgressBar } from "../progress.js";
import { formatNumber, formatTable } from "../table.js";
import type { CommandContext } from "../context.js";

/** How long a stopped run may still wait for the database (README: Ctrl-C ends within about this). */
const STOP_GRACE_MS = 15_000;

export async function trainCommand(ctx: CommandContext): Promise<number> {
  const config = await readConfigFile(ctx.positionals[0], ctx.strings("set"));
  const db = await ctx.db();
  await checkInitRuns(db.pool, [config], ctx.err);
  const backend = await initBackend();
  const [runId] = await enqueueRuns(db.pool, [{ name: baseRunName(config), config }], {
    experiment: ctx.string("experiment") ?? "default",
    maxAttempts: 1,
  });
  const worker = await registerWorker(db.pool, { host: hostname(), backend: backend.name, device: backend.device });
  // This process is the run's worker: BUSY while it trains, STOPPED when it exits (not LOST).
  const presence = startPresence(
    db.pool,
    worker.id,
    1000,
    () => true,
    (e) => ctx.err(`worker presence: ${String(e)}`),
  );
  let run: Awaited<ReturnType<typeof claimRun>>;
  try {
    run = await claimRun(db.pool, worker, runId!);
  } finally {
    if (!run) await presence.stop();
  }
  if (!run) throw new Error(`run ${runId} was claimed by another worker before this process could start it`);
  ctx.err(`run ${run.id} (${run.name}) on ${backend.name} (${backend.device})`);
  if (backend.notice) ctx.err(`!! ${backend.notice}`);

  // First Ctrl-C: finish the step and stop (status CANCELLED, last checkpoint kept), waiting at
  // most STOP_GRACE_MS for the database (then the rest goes to the spool). Second: exit now.
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    ctx.err(`\nstopping after this step; within ${STOP_GRACE_MS / 1000} s even if the database does not answer (Ctrl-C again to exit at once)`);
    // for the dashboard; this process stops by itself either way
    requestCancel(db.pool, run.id).catch((e: unknown) => ctx.err(`the cancel could not be recorded yet: ${String(e)}`));
    stop.abort();
  };
  process.on("SIGINT", onSigint);
  let spooled: { batches: number; file: string } | undefined;
  const bar = ctx.json ? undefined : new ProgressBar();
  let params = 0;
  let steps = 0;
  try {
    const outcome = await executeRun(run, {
      pool: db.pool,
      worker,
      spoolDir: ctx.spoolDir,
      dataDir: ctx.dataDir,
      shutdown: new AbortController().signal,
      cancel: stop.signal,
      stopGraceMs: STOP_GRACE_MS,
      onAbandon: (batches, file) => (spooled = { batches, file }),
      heartbeatMs: 1000,
      onEvent: (event) => {
        // what the data was read as and where the weights started (vectors' coverage, model.init), before the bar
        if (event.type === "start") for (const w of event.warnings ?? []) ctx.err(`unroll: ${w}`);
        bar?.update(event);
        if (event.type === "start") params = event.params;
        if (event.type === "step") steps = event.step;
      },
      onWriteError: (e) => ctx.err(`database write failed, spooling locally: ${String(e)}`),
    });
    const metrics = outcome.status === "COMPLETED" || outcome.status === "CANCELLED" ? outcome.summary : {};
    if (spooled)
      ctx.err(
        `the database did not answer in time: ${spooled.batches} record batch(es) wait in ${spooled.file}; the next \`unroll worker\` or \`pnpm start\` on this machine writes them`,
      );
    if (ctx.json) {
      ctx.out(
        JSON.stringify({
          runId: run.id,
          status: outcome.status,
          params,
          backend: backend.name,
          device: backend.device,
          steps,
          metrics,
          ...(outcome.status === "FAILED" ? { error: outcome.error } : {}),
          ...(spooled ? { spooled } : {}),
        }),
      );
    } else {
      ctx.out(`run ${run.id}: ${outcome.status} after ${steps} steps, ${formatNumber(params)} parameters`);
      if (outcome.status === "FAILED") ctx.out(outcome.error);
      const rows = Object.entries(metrics).map(([k, v]) => [k, v]);
      if (rows.length > 0) ctx.out(formatTable(["metric", "value"], rows));
    }
    return outcome.status === "COMPLETED" || outcome.status === "CANCELLED" ? 0 : 1;
  } finally {
    process.off("SIGINT", onSigint);
    await presence.stop();
  }
}
