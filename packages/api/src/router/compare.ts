// Compare: any number of runs side by side (up to MAX_COMPARE drawn), named by a RunSet (a few
// ids, a saved selection, or a filter), with the config keys that differ and the series sized to
// the chart: min and max per pixel bucket, and fewer buckets per run as runs grow (POINT_BUDGET).
import { z } from "zod";
import { readSeries } from "@unroll/db";
import { groupCurves, groupStats } from "../groups.js";
import { loadSeries } from "./metrics.js";
import { resolveRunIds, RunSet } from "../run-sets.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { finite } from "./shared.js";

/** The most runs one comparison draws. */
export const MAX_COMPARE = 500;
/** Up to this many runs the series carry wall times, epochs and tokens (the other x-axes). */
export const DETAILED_COMPARE = 50;
/** About how many points one chart's series carry in all: 500 runs get ~200 each. */
export const POINT_BUDGET = 100_000;

/** Flattens a config into dotted keys (arrays compare as wholes). */
export function flattenConfig(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    if (prefix) out.set(prefix, value);
    return out;
  }
  for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** One config key across the runs: its value per run where they differ, else the one value. */
export type DiffRow = { key: string; differs: true; values: unknown[] } | { key: string; differs: false; value: unknown };

/**
 * Every config key of any run, in first-seen order. Where the runs differ, one value per run in
 * the order given (undefined: that run has no such key); where they agree, the value once, so 500
 * runs cost 500 cells only for the keys that differ.
 */
export function configTable(configs: unknown[]): DiffRow[] {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))];
  return keys.map((key) => {
    const values = flat.map((f) => f.get(key));
    const first = JSON.stringify(values[0]);
    return values.some((v) => JSON.stringify(v) !== first) ? { key, differs: true, values } : { key, differs: false, value: values[0] };
  });
}

/** Points per run for `runs` series at `width` pixels: two per bucket, no more than the budget allows. */
export const pointsPerRun = (runs: number, width: number) => Math.max(16, Math.min(2 * width, Math.floor(POINT_BUDGET / Math.max(1, runs))));

/** The most runs one grouping aggregates (a saved selection's most). */
export const MAX_GROUPED = 20_000;

export const GroupsInput = z.object({
  runs: RunSet,
  /** Config keys to group by, dotted (model.cell, model.tied). */
  by: z
    .array(
      z
        .string()
        .min(1)
        .max(200)
        .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, "a dotted config key such as model.tied"),
    )
    .min(1, "group by at least one config key")
    .max(3, "group by at most 3 keys"),
  /** The metric whose curve each group draws. */
  key: z.string().min(1).max(200),
  /** Final metrics to summarise per group (default: the curve's metric). */
  finals: z.array(z.string().min(1).max(200)).max(5).optional(),
  buckets: z.number().int().min(10).max(2000).default(200),
});

const SeriesInput = z.object({
  runs: RunSet,
  key: z.string().min(1).max(200),
  /** The chart's drawing width in pixels. */
  width: z.number().int().min(50).max(4000).default(900),
});

export const compareRouter = createTRPCRouter({
  /**
   * The runs grouped by config keys: per group its counts, seeds and final metrics, and the
   * metric's mean curve with a min-max band over its runs (groups.ts; aggregated in SQL).
   */
  groups: publicProcedure.input(GroupsInput).query(async ({ ctx, input }) => {
    const ids = await resolveRunIds(ctx.db, input.runs, MAX_GROUPED, "a grouping");
    const finals = input.finals ?? [input.key];
    const [groups, { width, curves }] = await Promise.all([
      groupStats(ctx.db.pool, ids, input.by, finals),
      groupCurves(ctx.db.pool, ids, input.by, input.key, input.buckets),
    ]);
    return { runs: ids.length, by: input.by, bucketWidth: width, groups: groups.map((g) => ({ ...g, curve: curves.get(JSON.stringify(g.values)) ?? null })) };
  }),

  runs: publicProcedure.input(RunSet).query(async ({ ctx, input }) => {
    const ids = await resolveRunIds(ctx.db, input, MAX_COMPARE, "a comparison");
    const rows = await ctx.db.prisma.run.findMany({ where: { id: { in: ids } }, include: { experiment: { select: { name: true } } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const runs = ids.map((id) => byId.get(id)).filter((r) => r !== undefined);
    return {
      runs: runs.map((r) => ({
        id: r.id,
        name: r.name,
        experimentName: r.experiment.name,
        status: r.status,
        task: r.task,
        step: r.step,
        paramCount: r.paramCount,
        summary: (r.summary ?? {}) as Record<string, number>,
        startedAt: r.startedAt?.toISOString() ?? null,
      })),
      config: configTable(runs.map((r) => r.config)),
    };
  }),

  /** The metric keys these runs have, with point counts (one series row per run and key). */
  keys: publicProcedure.input(z.object({ runs: RunSet })).query(async ({ ctx, input }) => {
    const ids = await resolveRunIds(ctx.db, input.runs, MAX_COMPARE, "a comparison");
    const { rows } = await ctx.db.pool.query<{ key: string; n: string; runs: string }>(
      `SELECT key, sum("pointCount") AS n, count(*) AS runs FROM "MetricSeries"
        WHERE "runId" = ANY($1::text[]) AND "pointCount" > 0 GROUP BY key ORDER BY key`,
      [ids],
    );
    return rows.map((r) => ({ key: r.key, points: Number(r.n), runs: Number(r.runs) }));
  }),

  /**
   * One metric of every run, downsampled in SQL (readSeries: min and max per bucket, from the
   * rollups for long series) to pointsPerRun(runs, width). Up to DETAILED_COMPARE runs with wall
   * times, epochs and tokens; more runs: steps and values only (the chart's x is then the step).
   */
  series: publicProcedure.input(SeriesInput).query(async ({ ctx, input }) => {
    const ids = await resolveRunIds(ctx.db, input.runs, MAX_COMPARE, "a comparison");
    const maxPoints = pointsPerRun(ids.length, input.width);
    if (ids.length <= DETAILED_COMPARE) {
      const series = await loadSeries(ctx.db.pool, { runIds: ids, keys: [input.key], maxPoints });
      return { detailed: true, maxPoints, series };
    }
    const series = await Promise.all(
      ids.map(async (runId) => {
        const points = await readSeries(ctx.db.pool, runId, input.key, { maxPoints });
        return { runId, key: input.key, steps: points.map((p) => p.step), values: points.map((p) => finite(p.value)), wallTimes: [] as number[] };
      }),
    );
    return { detailed: false, maxPoints, series: series.filter((s) => s.steps.length > 0) };
  }),
});
