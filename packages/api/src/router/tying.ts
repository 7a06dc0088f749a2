// Tied vs untied: pick an experiment (or launch a paired sweep) and read the summary.
import { z } from "zod";
import { enqueueRuns } from "@unroll/db";
import { NotFoundError } from "../errors.js";
import { METRIC_KEYS, runColumns } from "@unroll/domain";
import { planSweep } from "../sweep.js";
import { summarizeTying } from "../tying.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { ExperimentName, Id, latestValues } from "./shared.js";

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

  summary: publicProcedure.input(z.object({ experimentId: Id })).query(async ({ ctx, input }) => {
    const exp = await ctx.db.prisma.experiment.findUnique({
      where: { id: input.experimentId },
      include: { runs: { where: { tied: { not: null } }, orderBy: { createdAt: "asc" } } },
    });
    if (!exp) throw new NotFoundError("experiment", input.experimentId);
    const latest = await latestValues(ctx.db.pool, exp.runs.map((r) => r.id), [METRIC_KEYS.validPerplexity, METRIC_KEYS.testPerplexity, METRIC_KEYS.trainLoss]);
    const summary = summarizeTying(
      exp.runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        tied: r.tied,
        paramCount: r.paramCount,
        config: r.config,
        summary: (r.summary as Record<string, number> | null) ?? null,
        latest: latest.get(r.id) ?? {},
      })),
    );
    return {
      experiment: { id: exp.id, name: exp.name, description: exp.description },
      runs: exp.runs.map((r) => ({ id: r.id, name: r.name, status: r.status, tied: r.tied, paramCount: r.paramCount, step: r.step })),
      ...summary,
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
