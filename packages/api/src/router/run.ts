// Runs: the table (filters, latest metrics), one run's detail, samples, and the edits a person
// makes (cancel, tag, annotate, delete).
import { z } from "zod";
import { requestCancel, RUN_LIMITS, type Prisma } from "@unroll/db";
import { ALL_MAIN_METRICS, canTransition, CANCELLABLE_STATUSES, mainMetricKeys, METRIC_KEYS, summaryKey } from "@unroll/domain";
import { ConflictError, NotFoundError } from "../errors.js";
import { encodeCursor, RunFilter, runCountSql, runPageSql, RunSort } from "../run-query.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { Id, latestValues, Tags } from "./shared.js";

/** `queued, running or crashed`: the statuses a cancel applies to, for messages. */
const CANCELLABLE = CANCELLABLE_STATUSES.map((s) => s.toLowerCase())
  .join(", ")
  .replace(/, (?=[^,]*$)/, " or ");

const id = Id;
const ListInput = RunFilter.extend({
  sort: RunSort.default({ by: "createdAt", dir: "desc" }),
  limit: z.number().int().min(1).max(500).default(50),
  /** The previous page's nextCursor; none for the first page. */
  cursor: z.string().max(2000).nullish(),
}).default({ sort: { by: "createdAt", dir: "desc" }, limit: 50 });

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The fields the runs table and a run's page both show, as the api returns them. */
function runFields(r: Prisma.RunGetPayload<object>) {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    cancelRequested: r.cancelRequested,
    task: r.task,
    cell: r.cell,
    tied: r.tied,
    tags: r.tags,
    notes: r.notes,
    step: r.step,
    paramCount: r.paramCount,
    host: r.host,
    backend: r.backend,
    createdAt: iso(r.createdAt)!,
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}
const asRecord = (v: unknown): Record<string, number> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, number>) : {});

export const runRouter = createTRPCRouter({
  /**
   * One page of the runs that match, in the asked order (sorted and paged in SQL: see
   * run-query.ts), with how many match in all, the next page's cursor, and the experiments and
   * tags to filter by.
   */
  list: publicProcedure.input(ListInput).query(async ({ ctx, input }) => {
    const page = runPageSql(input, input.sort, input.limit, input.cursor);
    const count = runCountSql(input);
    const [{ rows: ordered }, { rows: counted }, experiments, { rows: tagRows }] = await Promise.all([
      ctx.db.pool.query<{ id: string; v: string | null }>(page.sql, page.params),
      ctx.db.pool.query<{ n: number }>(count.sql, count.params),
      ctx.db.prisma.experiment.findMany({ orderBy: { createdAt: "desc" }, include: { _count: { select: { runs: true } } } }),
      ctx.db.pool.query<{ tag: string }>(`SELECT DISTINCT unnest(tags) AS tag FROM "Run" ORDER BY 1`),
    ]);
    const more = ordered.length > input.limit;
    const shown = ordered.slice(0, input.limit);
    const last = shown.at(-1);
    const found = await ctx.db.prisma.run.findMany({ where: { id: { in: shown.map((r) => r.id) } }, include: { experiment: { select: { name: true } } } });
    const byId = new Map(found.map((r) => [r.id, r]));
    const runs = shown.map((r) => byId.get(r.id)).filter((r) => r !== undefined); // a run deleted between the two reads is left out
    const latest = await latestValues(
      ctx.db.pool,
      runs.map((r) => r.id),
      [METRIC_KEYS.trainLoss, ...ALL_MAIN_METRICS],
    );
    return {
      total: counted[0]?.n ?? 0,
      nextCursor: more && last ? encodeCursor(last) : null,
      tags: tagRows.map((t) => t.tag),
      experiments: experiments.map((e) => ({ id: e.id, name: e.name, description: e.description, createdAt: iso(e.createdAt)!, runCount: e._count.runs })),
      runs: runs.map((r) => {
        const summary = asRecord(r.summary);
        const l = latest.get(r.id) ?? {};
        const metricKey = mainMetricKeys(r.task).find((k) => summary[summaryKey(k)] !== undefined || l[k] !== undefined) ?? mainMetricKeys(r.task)[0];
        const config = r.config as { train?: { maxSteps?: number } } | null;
        return {
          ...runFields(r),
          experimentId: r.experimentId,
          experimentName: r.experiment.name,
          maxSteps: config?.train?.maxSteps ?? null,
          error: r.error ? r.error.split("\n")[0]! : null,
          trainLoss: summary[summaryKey(METRIC_KEYS.trainLoss)] ?? l[METRIC_KEYS.trainLoss] ?? null,
          metric: metricKey ? { key: metricKey, value: summary[summaryKey(metricKey)] ?? l[metricKey] ?? null } : null,
        };
      }),
    };
  }),

  get: publicProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const [r, points] = await Promise.all([
      ctx.db.prisma.run.findUnique({
        where: { id: input.id },
        include: {
          experiment: { select: { id: true, name: true, description: true } },
          worker: true,
          checkpoints: { omit: { data: true }, orderBy: { kind: "asc" } },
          _count: { select: { samples: true } },
        },
      }),
      // point counts are kept per series by the writer
      ctx.db.prisma.metricSeries.aggregate({ where: { runId: input.id }, _sum: { pointCount: true } }),
    ]);
    if (!r) throw new NotFoundError("run", input.id);
    return {
      ...runFields(r),
      experiment: r.experiment,
      config: r.config as Record<string, unknown>,
      attempt: r.attempt,
      maxAttempts: r.maxAttempts,
      device: r.device,
      error: r.error,
      summary: asRecord(r.summary),
      heartbeatAt: iso(r.heartbeatAt),
      worker: r.worker
        ? {
            id: r.worker.id,
            host: r.worker.host,
            backend: r.worker.backend,
            device: r.worker.device,
            pid: r.worker.pid,
            status: r.worker.status,
            lastSeenAt: iso(r.worker.lastSeenAt)!,
          }
        : null,
      checkpoints: r.checkpoints.map((c) => ({
        id: c.id,
        kind: c.kind,
        step: c.step,
        size: c.size,
        format: c.format,
        metrics: asRecord(c.metrics),
        location: c.location,
        updatedAt: iso(c.updatedAt)!,
      })),
      sampleCount: r._count.samples,
      metricPointCount: points._sum.pointCount ?? 0,
    };
  }),

  samples: publicProcedure.input(z.object({ id, limit: z.number().int().min(1).max(500).default(100) })).query(async ({ ctx, input }) => {
    const rows = await ctx.db.prisma.sample.findMany({ where: { runId: input.id }, orderBy: [{ step: "desc" }, { prompt: "asc" }], take: input.limit });
    return rows.map((s) => ({
      id: s.id,
      step: s.step,
      prompt: s.prompt,
      text: s.text,
      params: s.params as Record<string, unknown>,
      createdAt: iso(s.createdAt)!,
    }));
  }),

  cancel: publicProcedure.input(z.object({ id })).mutation(async ({ ctx, input }) => {
    const run = await ctx.db.prisma.run.findUnique({ where: { id: input.id }, select: { status: true } });
    if (!run) throw new NotFoundError("run", input.id);
    if (!canTransition(run.status, "CANCELLED"))
      throw new ConflictError(`run ${input.id} is already ${run.status.toLowerCase()}; only ${CANCELLABLE} runs can be cancelled`);
    const status = await requestCancel(ctx.db.pool, input.id);
    return { id: input.id, status: status ?? run.status };
  }),

  setTags: publicProcedure.input(z.object({ id, tags: Tags })).mutation(async ({ ctx, input }) => {
    const tags = [...new Set(input.tags)];
    const { count } = await ctx.db.prisma.run.updateMany({ where: { id: input.id }, data: { tags } });
    if (count === 0) throw new NotFoundError("run", input.id);
    return { id: input.id, tags };
  }),

  setNotes: publicProcedure
    .input(z.object({ id, notes: z.string().max(RUN_LIMITS.notes, `notes are at most ${RUN_LIMITS.notes} characters: shorten them`) }))
    .mutation(async ({ ctx, input }) => {
      const { count } = await ctx.db.prisma.run.updateMany({ where: { id: input.id }, data: { notes: input.notes } });
      if (count === 0) throw new NotFoundError("run", input.id);
      return { id: input.id, notes: input.notes };
    }),

  delete: publicProcedure.input(z.object({ ids: z.array(id).min(1).max(500) })).mutation(async ({ ctx, input }) => {
    const runs = await ctx.db.prisma.run.findMany({ where: { id: { in: input.ids } }, select: { id: true, status: true, name: true } });
    const missing = input.ids.filter((i) => !runs.some((r) => r.id === i));
    if (missing.length) throw new NotFoundError("run", missing.join(", "));
    const running = runs.filter((r) => r.status === "RUNNING");
    if (running.length)
      throw new ConflictError(`${running.map((r) => r.name).join(", ")} ${running.length > 1 ? "are" : "is"} running: cancel first, then delete`);
    const { count } = await ctx.db.prisma.run.deleteMany({ where: { id: { in: input.ids } } });
    return { deleted: count };
  }),
});
