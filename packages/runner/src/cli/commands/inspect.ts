// Reading runs: `unroll runs`, `show`, `logs`, `compare`, and `cancel`.
import { configDiff } from "@unroll/core";
import { latestDiagnostics, readDiagnostics, requestCancel, type DiagnosticRow, type Queryable } from "@unroll/db";
import { DIAGNOSTIC_KINDS, mainMetricKeys, METRIC_KEYS, RUN_STATUSES, summaryKey, type StartNotesDoc } from "@unroll/domain";
import type { CommandContext } from "../context.js";
import { resolveRunId } from "../run-ref.js";
import { formatNumber, formatTable } from "../table.js";
import { UsageError } from "../usage-error.js";
import { formatTagReport, tagReports } from "./tag-reports.js";

interface RunRow {
  id: string;
  experiment: string;
  name: string;
  status: string;
  task: string | null;
  cell: string | null;
  tied: boolean | null;
  step: number;
  paramCount: number | null;
  summary: Record<string, number> | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  host: string | null;
  backend: string | null;
  device: string | null;
  attempt: number;
  maxAttempts: number;
  error: string | null;
  config: unknown;
  tags: string[];
  notes: string;
}

const RUN_SELECT = `SELECT r.id, e.name AS experiment, r.name, r.status, r.task, r.cell, r.tied, r.step, r."paramCount", r.summary,
  r."createdAt", r."startedAt", r."finishedAt", r.host, r.backend, r.device, r.attempt, r."maxAttempts", r.error, r.config, r.tags, r.notes
  FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId"`;

export async function runsCommand(ctx: CommandContext): Promise<number> {
  const status = ctx.string("status")?.toUpperCase();
  if (status && !(RUN_STATUSES as readonly string[]).includes(status))
    throw new UsageError(`--status must be one of ${RUN_STATUSES.join(", ")}; got ${status}`);
  ctx.integer("limit", { min: 1, max: 100_000 }); // refused before the database is opened
  const db = await ctx.db();
  const { rows } = await db.pool.query<RunRow>(
    `${RUN_SELECT} WHERE ($1::text IS NULL OR e.name = $1) AND ($2::text IS NULL OR r.status::text = $2)
     ORDER BY r."createdAt" DESC, r.id LIMIT $3`,
    [ctx.string("experiment") ?? null, status ?? null, ctx.integer("limit", { min: 1, max: 100_000 }) ?? 100],
  );
  if (ctx.json) {
    ctx.out(JSON.stringify(rows.map(({ config: _c, ...r }) => r)));
    return 0;
  }
  if (rows.length === 0) {
    ctx.out("no runs (queue some with `unroll enqueue config.json`)");
    return 0;
  }
  ctx.out(
    formatTable(
      ["id", "experiment", "name", "status", "task", "cell", "tied", "step", "params", "headline"],
      rows.map((r) => [
        r.id.slice(0, 8),
        r.experiment,
        r.name,
        r.status,
        r.task,
        r.cell,
        r.tied === null ? "-" : r.tied ? "yes" : "no",
        r.step,
        r.paramCount,
        headline(r.summary, r.task),
      ]),
    ),
  );
  return 0;
}

/** The one metric a person looks for first: the task's main metric (perplexity, F1, accuracy), else the training loss. */
function headline(summary: Record<string, number> | null, task: string | null): string {
  if (!summary) return "-";
  for (const key of [...mainMetricKeys(task), METRIC_KEYS.trainLoss].map(summaryKey)) {
    if (summary[key] !== undefined) return `${key.replace("_", " ")} ${formatNumber(summary[key]!)}`;
  }
  return "-";
}

export async function showCommand(ctx: CommandContext): Promise<number> {
  const db = await ctx.db();
  const id = await resolveRunId(db.pool, ctx.positionals[0]);
  const { rows } = await db.pool.query<RunRow>(`${RUN_SELECT} WHERE r.id = $1`, [id]);
  const run = rows[0]!;
  const { rows: cps } = await db.pool.query<{ kind: string; step: number; size: number; metrics: unknown }>(
    `SELECT kind, step, size, metrics FROM "Checkpoint" WHERE "runId" = $1 ORDER BY kind`,
    [id],
  );
  // what each start of the run (the first, and any resume) said it started with
  const startNotes = (await readDiagnostics<StartNotesDoc>(db.pool, id, DIAGNOSTIC_KINDS.startNotes)).map((d) => ({ step: d.step, lines: d.data.lines }));
  if (ctx.json) {
    ctx.out(
      JSON.stringify({ ...run, checkpoints: cps, startNotes, diagnostics: await diagnosticsSummary(db.pool, id), tagReports: await tagReports(db.pool, id) }),
    );
    return 0;
  }
  ctx.out(`run ${run.id}  ${run.name}  [${run.status}]  experiment ${run.experiment}`);
  ctx.out(
    `  attempt ${run.attempt}/${run.maxAttempts}  step ${run.step}  params ${run.paramCount ?? "-"}  on ${run.host ?? "-"} ${run.backend ?? ""} ${run.device ?? ""}`,
  );
  ctx.out(`  created ${run.createdAt.toISOString()}  started ${run.startedAt?.toISOString() ?? "-"}  finished ${run.finishedAt?.toISOString() ?? "-"}`);
  if (run.error) ctx.out(`  error: ${run.error}`);
  for (const n of startNotes) for (const line of n.lines) ctx.out(`  started${n.step > 0 ? ` again at step ${n.step}` : ""} with: ${line}`);
  if (run.summary) ctx.out(formatTable(["metric", "value"], Object.entries(run.summary)));
  for (const c of cps) ctx.out(`  checkpoint ${c.kind.toLowerCase()} at step ${c.step} (${formatNumber(c.size)} bytes)`);
  const reports = await tagReports(db.pool, id);
  for (const split of ["test", "valid"] as const) {
    const r = reports?.[split];
    if (r) ctx.out(formatTagReport(split, r));
  }
  ctx.out(`config: ${JSON.stringify(run.config, null, 2)}`);
  return 0;
}

/**
 * The latest diagnostics (issue 15) as `show --json` gives them: gradNormByPosition, one row per
 * layer, direction and state (h, an LSTM's c) with ||dL/ds_t|| for every BPTT position and what
 * reaches the initial state; lossByPosition, the mean validation loss at each position (lm: of the
 * window; tagger: from the sentence start) with its token counts; null when the run has none
 * (train.diagnostics off, not validated yet).
 */
async function diagnosticsSummary(pool: Queryable, runId: string) {
  const latest = await latestDiagnostics(pool, runId);
  const grad = latest.get(DIAGNOSTIC_KINDS.gradNorm) as DiagnosticRow<{ positions: number; batch: number; rows: unknown[] }> | undefined;
  const loss = latest.get(DIAGNOSTIC_KINDS.lossByPosition);
  if (!grad && !loss) return null;
  return {
    step: grad?.step ?? loss?.step,
    ...(grad ? { positions: grad.data.positions, probeBatch: grad.data.batch, gradNormByPosition: grad.data.rows } : {}),
    ...(loss ? { lossByPosition: loss.data } : {}),
  };
}

export async function logsCommand(ctx: CommandContext): Promise<number> {
  const db = await ctx.db();
  const id = await resolveRunId(db.pool, ctx.positionals[0]);
  const { rows: keys } = await db.pool.query<{ key: string; n: number; last: number; lastStep: number }>(
    `SELECT key, "pointCount" AS n, "lastValue" AS last, "lastStep"
       FROM "MetricSeries" WHERE "runId" = $1 AND "pointCount" > 0 ORDER BY key`,
    [id],
  );
  const { rows: samples } = await db.pool.query<{ step: number; prompt: string; text: string }>(
    `SELECT step, prompt, text FROM "Sample" WHERE "runId" = $1 ORDER BY step, prompt`,
    [id],
  );
  const { rows: run } = await db.pool.query<{ status: string; error: string | null }>(`SELECT status, error FROM "Run" WHERE id = $1`, [id]);
  if (ctx.json) {
    ctx.out(JSON.stringify({ status: run[0]?.status, error: run[0]?.error, series: keys, samples }));
    return 0;
  }
  ctx.out(`run ${id} [${run[0]?.status}]`);
  ctx.out(
    formatTable(
      ["series", "points", "last step", "last value"],
      keys.map((k) => [k.key, k.n, k.lastStep, k.last]),
    ),
  );
  for (const s of samples) ctx.out(`\nstep ${s.step}${s.prompt ? ` prompt ${JSON.stringify(s.prompt)}` : ""}:\n${s.text}`);
  if (run[0]?.error) ctx.out(`\nerror: ${run[0].error}`);
  return 0;
}

export async function compareCommand(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length < 2) throw new UsageError("compare needs at least two runs: unroll compare RUN RUN... [--metric KEY]");
  const db = await ctx.db();
  const ids = [];
  for (const ref of ctx.positionals) ids.push(await resolveRunId(db.pool, ref));
  const { rows } = await db.pool.query<RunRow>(`${RUN_SELECT} WHERE r.id = ANY($1) `, [ids]);
  const runs = ids.map((id) => rows.find((r) => r.id === id)!);
  const wanted = ctx.strings("metric");
  const keys = wanted.length > 0 ? wanted : [...new Set(runs.flatMap((r) => Object.keys(r.summary ?? {})))].sort();
  // The last value of each series, for keys not in the summary (e.g. a run still going).
  const { rows: last } = await db.pool.query<{ runId: string; key: string; value: number }>(
    `SELECT "runId", key, "lastValue" AS value FROM "MetricSeries" WHERE "runId" = ANY($1) AND key = ANY($2) AND "lastValue" IS NOT NULL`,
    [ids, keys],
  );
  const value = (r: RunRow, k: string) => r.summary?.[k] ?? last.find((p) => p.runId === r.id && p.key === k)?.value ?? null;
  const differing = new Set<string>();
  for (let i = 1; i < runs.length; i++) for (const d of configDiff(runs[0]!.config as never, runs[i]!.config as never)) differing.add(d.key);
  const configKeys = [...differing].sort();
  const pick = (config: unknown, key: string) =>
    key.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), config);
  if (ctx.json) {
    ctx.out(
      JSON.stringify(
        runs.map((r) => ({
          id: r.id,
          name: r.name,
          status: r.status,
          params: r.paramCount,
          config: Object.fromEntries(configKeys.map((k) => [k, pick(r.config, k)])),
          metrics: Object.fromEntries(keys.map((k) => [k, value(r, k)])),
        })),
      ),
    );
    return 0;
  }
  const header = ["", ...runs.map((r) => r.id.slice(0, 8))];
  const body: (string | number | null)[][] = [
    ["name", ...runs.map((r) => r.name)],
    ["status", ...runs.map((r) => r.status)],
    ["params", ...runs.map((r) => r.paramCount)],
    ...configKeys.map((k) => [k, ...runs.map((r) => JSON.stringify(pick(r.config, k)) ?? "-")]),
    ...keys.map((k) => [k, ...runs.map((r) => value(r, k))]),
  ];
  ctx.out(formatTable(header, body));
  if (configKeys.length === 0) ctx.out("(the configs are identical)");
  return 0;
}

export async function cancelCommand(ctx: CommandContext): Promise<number> {
  const db = await ctx.db();
  const id = await resolveRunId(db.pool, ctx.positionals[0]);
  const status = await requestCancel(db.pool, id);
  if (ctx.json) ctx.out(JSON.stringify({ runId: id, status }));
  else ctx.out(status === "RUNNING" ? `run ${id}: cancel requested; its worker stops it after the current step` : `run ${id}: ${status}`);
  return 0;
}
