// Metric series for charts: downsampled in SQL per pixel bucket (min and max kept, so spikes
// survive: readSeries, from the min/max rollups for long series), with the epoch and tokens seen
// at each kept step for other x-axes.
// Column-oriented (steps[], values[], ...) to keep long series small on the wire.
import { z } from "zod";
import { readSeries, type Queryable } from "@unroll/db";
import { METRIC_KEYS } from "@unroll/domain";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { finite, Id } from "./shared.js";

export interface Series {
  runId: string;
  key: string;
  steps: number[];
  values: (number | null)[];
  /** Wall time of each point, ms since the epoch. */
  wallTimes: number[];
  /** Epoch and tokens seen at each step (null where not logged). */
  epochs: (number | null)[];
  tokens: (number | null)[];
  /** How many points the stored series has (before downsampling). */
  total: number;
}

export const SeriesInput = z.object({
  runIds: z.array(Id).min(1, "give at least one run id").max(50),
  keys: z.array(z.string().min(1).max(200)).min(1).max(20),
  /** About the chart's width in pixels: buckets of min+max. */
  maxPoints: z.number().int().min(2).max(20_000).default(1000),
  fromStep: z.number().int().optional(),
  toStep: z.number().int().optional(),
});

/** For each of these keys (e.g. train/epoch, train/tokens), its values at exactly these steps. */
async function valuesAt(db: Queryable, runId: string, keys: string[], steps: number[]): Promise<Map<string, Map<number, number>>> {
  const out = new Map(keys.map((k) => [k, new Map<number, number>()]));
  if (steps.length === 0) return out;
  const { rows } = await db.query<{ key: string; step: number; value: number }>(
    `SELECT s.key, p.step, p.value
       FROM "MetricSeries" s JOIN "MetricPoint" p ON p."seriesId" = s.id AND p.step = ANY($3::int[])
      WHERE s."runId" = $1 AND s.key = ANY($2::text[])`,
    [runId, keys, steps],
  );
  for (const r of rows) out.get(r.key)?.set(r.step, Number(r.value));
  return out;
}

export async function loadSeries(db: Queryable, input: z.output<typeof SeriesInput>): Promise<Series[]> {
  // Totals of every run and key in one query (the writer keeps them per series); then runs in
  // parallel (each on its own pooled connection), keys in order within a run, the points from
  // readSeries (rollups for long series).
  const { rows: counts } = await db.query<{ runId: string; key: string; n: number }>(
    `SELECT "runId", key, "pointCount" AS n FROM "MetricSeries" WHERE "runId" = ANY($1::text[]) AND key = ANY($2::text[])`,
    [input.runIds, input.keys],
  );
  const totals = new Map(counts.map((c) => [`${c.runId}\u0000${c.key}`, c.n]));
  const perRun = await Promise.all(
    input.runIds.map(async (runId) => {
      const out: Series[] = [];
      for (const key of input.keys) {
        const total = totals.get(`${runId}\u0000${key}`) ?? 0;
        const points = total ? await readSeries(db, runId, key, { maxPoints: input.maxPoints, fromStep: input.fromStep, toStep: input.toStep }) : [];
        const steps = points.map((p) => p.step);
        const at = await valuesAt(db, runId, [METRIC_KEYS.trainEpoch, METRIC_KEYS.trainTokens], steps);
        out.push({
          runId,
          key,
          steps,
          values: points.map((p) => finite(p.value)),
          wallTimes: points.map((p) => p.wallTime.getTime()),
          epochs: steps.map((s) => at.get(METRIC_KEYS.trainEpoch)!.get(s) ?? null),
          tokens: steps.map((s) => at.get(METRIC_KEYS.trainTokens)!.get(s) ?? null),
          total,
        });
      }
      return out;
    }),
  );
  return perRun.flat();
}

export const metricsRouter = createTRPCRouter({
  series: publicProcedure.input(SeriesInput).query(({ ctx, input }) => loadSeries(ctx.db.pool, input)),

  /** The metric keys these runs have, with point counts (one series row per run and key). */
  keys: publicProcedure.input(z.object({ runIds: z.array(Id).min(1, "give at least one run id").max(50) })).query(async ({ ctx, input }) => {
    const { rows } = await ctx.db.pool.query<{ key: string; n: string; runs: string }>(
      `SELECT key, sum("pointCount") AS n, count(*) AS runs FROM "MetricSeries"
        WHERE "runId" = ANY($1::text[]) AND "pointCount" > 0 GROUP BY key ORDER BY key`,
      [input.runIds],
    );
    return rows.map((r) => ({ key: r.key, points: Number(r.n), runs: Number(r.runs) }));
  }),
});
