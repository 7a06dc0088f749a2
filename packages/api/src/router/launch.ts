// Launch: presets, validation with the shared schema, and queueing a run or a sweep.
// Nothing is queued unless every planned config is valid (BAD_REQUEST names the field).
import { z } from "zod";
import { checkRunInput, enqueueRuns, RUN_LIMITS, RunInputError } from "@unroll/db";
import { checkConfig, runColumns } from "@unroll/domain";
import { InvalidConfigError, NotFoundError, UnsupportedError } from "../errors.js";
import { loadPresets, PRESETS, presetVariants } from "../presets.js";
import { checkInitRuns } from "../init-runs.js";
import { planSweep } from "../sweep.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { ExperimentName, Tags } from "./shared.js";

// Each axis and the seed count are bounded here; their product (the runs queued) by RUN_LIMITS,
// checked in planSweep before the grid is built.
export const SweepInput = z.object({
  grid: z
    .array(z.object({ key: z.string().max(100), values: z.array(z.string().max(200)).max(50) }))
    .max(8)
    .default([]),
  seeds: z.number().int().min(1).max(20).default(1),
});

export const LaunchInput = z.object({
  experiment: ExperimentName,
  description: z.string().max(RUN_LIMITS.description, `at most ${RUN_LIMITS.description} characters: shorten the description`).optional(),
  config: z.record(z.string(), z.unknown()),
  sweep: SweepInput.optional(),
  tags: Tags.optional(),
  /** Claims allowed before a crashing run is given up. */
  maxAttempts: z.number().int().min(1).max(RUN_LIMITS.maxAttempts).optional(),
});

export const launchRouter = createTRPCRouter({
  presets: publicProcedure.query(() => loadPresets()),

  /** Dry run: the issues, or the runs that enqueue would create (with `notes`: said, not refused). */
  validate: publicProcedure.input(z.object({ config: z.unknown(), sweep: SweepInput.optional() })).query(async ({ ctx, input }) => {
    const base = checkConfig(input.config);
    if (!base.ok) return { ok: false as const, issues: base.issues, notes: [], runs: [] };
    try {
      const runs = planSweep(input.config, input.sweep ?? {}, ctx);
      checkRunInput(runs, { experiment: "validate" }); // names within RUN_LIMITS (enqueue checks them again)
      const init = await checkInitRuns(ctx.db.pool, runs);
      if (init.issues.length) return { ok: false as const, issues: init.issues, notes: init.notes, runs: [] };
      return { ok: true as const, issues: [], notes: init.notes, runs: runs.map((r) => ({ name: r.name, overrides: r.overrides })) };
    } catch (error) {
      if (error instanceof InvalidConfigError) return { ok: false as const, issues: error.issues, notes: [], runs: [] };
      if (error instanceof RunInputError) return { ok: false as const, issues: [{ path: error.path, message: error.message }], notes: [], runs: [] };
      throw error;
    }
  }),

  /** Queues a preset as it is: one run, or one per variant (the vanishing-gradient comparison's four). */
  enqueuePreset: publicProcedure
    .input(z.object({ preset: z.string().max(100), experiment: ExperimentName, tags: Tags.optional() }))
    .mutation(async ({ ctx, input }) => {
      const preset = PRESETS.find((p) => p.id === input.preset);
      if (!preset) throw new NotFoundError("preset", input.preset);
      const loaded = (await loadPresets()).find((p) => p.id === preset.id)!;
      if (!loaded.config) throw new UnsupportedError(loaded.error ?? `preset ${preset.id} has no config`);
      const planned = presetVariants(preset).map((v) => ({ ...planSweep(loaded.config, { grid: v.grid }, ctx)[0]!, name: v.name }));
      const ids = await enqueueRuns(
        ctx.db.pool,
        planned.map((r) => ({ name: r.name, config: r.config, tags: input.tags, ...runColumns(r.config) })),
        { experiment: input.experiment, description: preset.description },
      );
      return { runIds: ids, names: planned.map((r) => r.name) };
    }),
  enqueue: publicProcedure.input(LaunchInput).mutation(async ({ ctx, input }) => {
    const planned = planSweep(input.config, input.sweep ?? {}, ctx);
    const init = await checkInitRuns(ctx.db.pool, planned);
    if (init.issues.length) throw new InvalidConfigError(init.issues);
    const ids = await enqueueRuns(
      ctx.db.pool,
      planned.map((r) => ({ name: r.name, config: r.config, tags: input.tags, ...runColumns(r.config) })),
      { experiment: input.experiment, description: input.description, maxAttempts: input.maxAttempts },
    );
    const exp = await ctx.db.prisma.experiment.findUniqueOrThrow({ where: { name: input.experiment }, select: { id: true } });
    return { experimentId: exp.id, runIds: ids, names: planned.map((r) => r.name) };
  }),
});
