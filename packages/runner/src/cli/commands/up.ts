// `unroll up` (`pnpm start`): the main job. Opens the database (serving the embedded one from
// this process unless DATABASE_URL is set), applies migrations, queues the demo sweep on first
// start, and runs a worker and the dashboard in child processes (training is CPU-bound; the
// database and the dashboard must stay responsive). Ctrl-C stops everything; running runs go back
// to the queue.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { applyOverrides, parseExperimentConfig } from "@unroll/core";
import { nativeBlasInfo } from "@unroll/core/kernels";
import { runName } from "@unroll/domain";
import { DASHBOARD_SERVE_SCRIPT, EXAMPLES_DIR } from "@unroll/layout";
import { childEnv } from "../../env.js";
import { enqueueRuns } from "../../queue/enqueue.js";
import type { CommandContext } from "../context.js";

export const DEMO_EXPERIMENT = "demo: tied vs untied char-LSTM";
const DEMO_CONFIG = join(EXAMPLES_DIR, "char-lstm-shakespeare.json");
const BIN = fileURLToPath(new URL("../../../bin/unroll.js", import.meta.url));
// The dashboard (apps/web): builds itself when its build is missing or stale, then `next start`
// on HOST:PORT (default 127.0.0.1:3000), and prints its URL (with `?token=` when it needs a
// token: off loopback, or UNROLL_TOKEN set; see apps/web/src/server/token.mjs).
const DASHBOARD = DASHBOARD_SERVE_SCRIPT;

/** Queues the demo sweep unless the demo experiment exists already. Returns the new run ids. */
export async function queueDemo(ctx: CommandContext): Promise<string[]> {
  const db = await ctx.db();
  const { rows } = await db.pool.query(`SELECT 1 FROM "Experiment" WHERE name = $1`, [DEMO_EXPERIMENT]);
  if (rows.length > 0) return [];
  const base = parseExperimentConfig(JSON.parse(await readFile(DEMO_CONFIG, "utf8")));
  const runs = ["model.tied=true", "model.tied=false"].map((o) => ({ name: runName("char-lstm", [o]), config: applyOverrides(base, [o]) }));
  return enqueueRuns(db.pool, runs, {
    experiment: DEMO_EXPERIMENT,
    description: "A character LSTM on tiny Shakespeare, with and without weight tying (Press & Wolf 2017)",
  });
}

export async function upCommand(ctx: CommandContext): Promise<number> {
  // The first thing to know on a fresh machine: whether training takes the fast path.
  const blas = nativeBlasInfo();
  if (blas.notice) ctx.err(`!! ${blas.notice}`);
  const db = await ctx.db();
  ctx.err(`database: ${db.url.replace(/:[^:@/]*@/, ":***@")}`);
  if (!ctx.flag("no-demo")) {
    const ids = await queueDemo(ctx);
    if (ids.length > 0) ctx.err(`queued the demo sweep (${ids.length} runs): ${DEMO_EXPERIMENT}`);
  }
  // Children are detached from the terminal's process group so that one Ctrl-C reaches them once
  // (forwarded below), not twice. They reach the database through the embedded server this process runs (or DATABASE_URL).
  // UNROLL_PARENT_PID: the worker stops (checkpoint, back to the queue) when this process is gone,
  // even by kill -9, rather than train on as an orphan beside the next start's worker.
  // UNROLL_DATA_DIR: the data directory found here (UNROLL_DATA_DIR, else a shared/data folder
  // above this directory): the worker reads corpora from it, and the dashboard lets launched runs
  // read files under it (plus UNROLL_DATA_ROOTS).
  const dataDir = ctx.dataDir;
  const env = childEnv({ DATABASE_URL: db.url, UNROLL_PARENT_PID: String(process.pid), ...(dataDir ? { UNROLL_DATA_DIR: dataDir } : {}) });
  // Build the dashboard first when it needs it (first start: about a minute), so that the worker
  // does not train the demo away unseen meanwhile; later starts find the build fresh at once.
  const dashboard = !ctx.flag("no-dashboard") && existsSync(DASHBOARD);
  if (dashboard) {
    const built = await new Promise<number>((resolve) => {
      const build = spawn(process.execPath, [DASHBOARD, "--build-only"], { stdio: "inherit", env });
      build.on("error", () => resolve(1));
      build.on("exit", (code) => resolve(code ?? 1));
    });
    if (built !== 0) ctx.err("the dashboard could not be built (see above); the worker starts anyway");
  }
  let stopping = false;
  const children: ChildProcess[] = [spawn(process.execPath, [BIN, "worker"], { stdio: "inherit", env, detached: true })];
  if (dashboard) {
    const web = spawn(process.execPath, [DASHBOARD], { stdio: "inherit", env, detached: true });
    web.on("exit", (code) => {
      if (code && !stopping)
        ctx.err(
          `the dashboard stopped (exit ${code}); the worker goes on. Restart it alone with \`pnpm --filter @unroll/web serve\` (DATABASE_URL=${db.url.replace(/:[^:@/]*@/, ":***@")})`,
        );
    });
    children.push(web);
  } else {
    ctx.err(ctx.flag("no-dashboard") ? "--no-dashboard: running the worker only" : `no dashboard at ${DASHBOARD}; running the worker only`);
  }
  ctx.err("worker started; `pnpm unroll runs` in another terminal lists the runs. Ctrl-C stops.");

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill(signal);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  const codes = await Promise.all(children.map((c) => new Promise<number>((resolve) => c.on("exit", (code) => resolve(code ?? 0)))));
  if (stopping) {
    ctx.err("stopped: runs in progress went back to the queue and resume on the next start");
    return 0; // a clean shutdown on Ctrl-C or SIGTERM
  }
  return codes.find((c) => c !== 0) ?? 0;
}
