// Launch: presets, validation with the shared schema, and queueing a run or a sweep.
// Nothing is queued unless every planned config is valid (BAD_REQUEST names the field).
import { z } from "zod";
import { enqueueRuns } from "@unroll/db";
import { checkConfig } from "../config-issues.js";
import { InvalidConfigError } from "../errors.js";
import { loadPresets } from "../presets.js";
import { planSweep, runColumns } from "../sweep.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";

export const SweepInput = z.object({
  grid: z.array(z.object({ key: z.string().max(100), values: z.array(z.string().max(200)).max(50) })).max(8).default([]),
  seeds: z.number().int().min(1).max(20).default(1),
});

export const LaunchInput = z.object({
  experiment: z.string().trim().min(1, "name the experiment").max(200),
  description: z.string().max(2000).optional(),
  config: z.record(z.string(), z.unknown()),
  sweep: SweepInput.optional(),
  tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
  /** Claims allowed before a crashing run is given up. */
  maxAttempts: z.number().int().min(1).max(10).optional(),
});

/** More runs than this in one request is almost certainly a typo in the grid. */
export const MAX_SWEEP_RUNS = 200;

export const launchRouter = createTRPCRouter({
  presets: publicProcedure.query(() => loadPresets()),

  /** Dry run: the issues, or the runs that enqueue would create. */
  validate: publicProcedure.input(z.object({ config: z.unknown(), sweep: SweepInput.optional() })).query(({ input }) => {
    const base = checkConfig(input.config);
    if (!base.ok) return { ok: false as const, issues: base.issues, runs: [] };
    try {
      const runs = planSweep(input.config, input.sweep);
      return { ok: true as const, issues: [], runs: runs.map((r) => ({ name: r.name, overrides: r.overrides })) };
    } catch (error) {
      if (error instanceof InvalidConfigError) return { ok: false as const, issues: error.issues, runs: [] };
      throw error;
    }
  }),

  enqueue: publicProcedure.input(LaunchInput).mutation(async ({ ctx, input }) => {
    const planned = planSweep(input.config, input.sweep);
    if (planned.length > MAX_SWEEP_RUNS) {
      throw new InvalidConfigError([{ path: "sweep", message: `${planned.length} runs is more than ${MAX_SWEEP_RUNS}; use fewer values or seeds` }]);
    }
    const ids = await enqueueRuns(
      ctx.db.pool,
      planned.map((r) => ({ name: r.name, config: r.config, tags: input.tags, ...runColumns(r.config) })),
      { experiment: input.experiment, description: input.description, maxAttempts: input.maxAttempts },
    );
    const exp = await ctx.db.prisma.experiment.findUniqueOrThrow({ where: { name: input.experiment }, select: { id: true } });
    return { experimentId: exp.id, runIds: ids, names: planned.map((r) => r.name) };
  }),
});
