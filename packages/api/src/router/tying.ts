// Tied vs untied (Press & Wolf 2017; Inan et al. 2016): pick an experiment (or launch a paired
// sweep) and read the summary: the grouping of groups.ts with model.tied as the key.
import { z } from "zod";
import { enqueueRuns } from "@unroll/db";
import { NotFoundError } from "../errors.js";
import { METRIC_KEYS, runColumns } from "@unroll/domain";
import { planSweep } from "../sweep.js";
import { differingKeys, groupStats, type Stat } from "../groups.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { ExperimentName, Id } from "./shared.js";

/** The final metrics each side is summarised by. */
const FINALS = [METRIC_KEYS.validPerplexity, METRIC_KEYS.testPerplexity, METRIC_KEYS.trainLoss];
/** Runs listed by name on the page; the rest are counted. */
const RUNS_SHOWN = 50;

export interface TyingSide {
  tied: boolean;
  runs: number;
  completed: number;
  seeds: { count: number; min: number | null; max: number | null };
  paramCount: number | null;
  validPerplexity: Stat | null;
  testPerplexity: Stat | null;
  trainLoss: Stat | null;
}

export const tyingRouter = createTRPCRouter({
  /** Experiments with language-model runs, and how many of each kind. */
  experiments: publicProcedure.query(async ({ ctx }) => {
    const { rows } = await ctx.db.pool.query<{ id: string; name: string; createdAt: Date; tied: string; untied: string }>(
      `SELECT e.id, e.name, e."createdAt", count(*) FILTER (WHERE r.tied) AS tied, count(*) FILTER (WHERE NOT r.tied) AS untied
         FROM "Experiment" e JOIN "Run" r ON r."experimentId" = e.id
        WHERE r.tied IS NOT NULL GROUP BY e.id ORDER BY e."createdAt" DESC`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.createdAt.toISOString(), tied: Number(r.tied), untied: Number(r.untied) }));
  }),

  /**
   * Tied against untied over an experiment's language-model runs, aggregated in SQL at any size:
   * per side its counts, seeds, parameters and final metrics (groups.ts, grouped by model.tied),
   * the saving, the config keys that differ besides tying and seed, the seeds run both ways, and
   * the first RUNS_SHOWN runs (with how many there are).
   */
  summary: publicProcedure.input(z.object({ experimentId: Id })).query(async ({ ctx, input }) => {
    const exp = await ctx.db.prisma.experiment.findUnique({ where: { id: input.experimentId } });
    if (!exp) throw new NotFoundError("experiment", input.experimentId);
    const { rows: lm } = await ctx.db.pool.query<{ id: string }>(`SELECT id FROM "Run" WHERE "experimentId" = $1 AND tied IS NOT NULL`, [exp.id]);
    const ids = lm.map((r) => r.id);
    const [groups, confounders, { rows: paired }, shown] = await Promise.all([
      groupStats(ctx.db.pool, ids, ["model.tied"], FINALS),
      differingKeys(ctx.db.pool, ids, ["model.tied", "train.seed", "name"]),
      ctx.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT config #> '{train,seed}' AS seed FROM "Run" WHERE id = ANY($1::text[]) AND jsonb_typeof(config #> '{train,seed}') = 'number'
          GROUP BY 1 HAVING bool_or(tied) AND NOT bool_and(tied)) x`,
        [ids],
      ),
      ctx.db.prisma.run.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: RUNS_SHOWN }),
    ]);
    const sides: TyingSide[] = [true, false].map((tied) => {
      const g = groups.find((x) => x.values[0] === tied);
      return {
        tied,
        runs: g?.runs ?? 0,
        completed: g?.completed ?? 0,
        seeds: g?.seeds ?? { count: 0, min: null, max: null },
        paramCount: g?.paramCount ?? null,
        validPerplexity: g?.finals[METRIC_KEYS.validPerplexity] ?? null,
        testPerplexity: g?.finals[METRIC_KEYS.testPerplexity] ?? null,
        trainLoss: g?.finals[METRIC_KEYS.trainLoss] ?? null,
      };
    });
    const [t, u] = sides as [TyingSide, TyingSide];
    const saving =
      t.paramCount !== null && u.paramCount !== null && u.paramCount > 0
        ? { params: u.paramCount - t.paramCount, fraction: (u.paramCount - t.paramCount) / u.paramCount }
        : null;
    return {
      experiment: { id: exp.id, name: exp.name, description: exp.description },
      total: ids.length,
      runs: shown.map((r) => ({ id: r.id, name: r.name, status: r.status, tied: r.tied, paramCount: r.paramCount, step: r.step })),
      sides,
      saving,
      confounders,
      pairedSeeds: paired[0]?.n ?? 0,
    };
  }),

  /** Queues identical configs and seeds with tying on and off. */
  launch: publicProcedure
    .input(z.object({ experiment: ExperimentName, config: z.record(z.string(), z.unknown()), seeds: z.number().int().min(1).max(10).default(1) }))
    .mutation(async ({ ctx, input }) => {
      const planned = planSweep(input.config, { grid: [{ key: "model.tied", values: ["true", "false"] }], seeds: input.seeds }, ctx);
      const ids = await enqueueRuns(
        ctx.db.pool,
        planned.map((r) => ({ name: r.name, config: r.config, ...runColumns(r.config) })),
        { experiment: input.experiment, description: "Paired sweep: identical configs and seeds, weight tying on and off" },
      );
      const exp = await ctx.db.prisma.experiment.findUniqueOrThrow({ where: { name: input.experiment }, select: { id: true } });
      return { experimentId: exp.id, runIds: ids };
    }),
});
