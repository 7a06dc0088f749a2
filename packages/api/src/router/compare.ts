// Compare: several runs side by side, with a config diff across all of them.
import { z } from "zod";
import { NotFoundError } from "../errors.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { Id } from "./shared.js";

/** Flattens a config into dotted keys (arrays compare as wholes). */
export function flattenConfig(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    if (prefix) out.set(prefix, value);
    return out;
  }
  for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

export interface DiffRow {
  key: string;
  /** One value per run, in the order asked (undefined: the run's config has no such key). */
  values: unknown[];
  differs: boolean;
}

/** Every config key of any run, in first-seen order, marking those whose values differ. */
export function configTable(configs: unknown[]): DiffRow[] {
  const flat = configs.map((c) => flattenConfig(c));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))];
  return keys.map((key) => {
    const values = flat.map((f) => f.get(key));
    const first = JSON.stringify(values[0]);
    return { key, values, differs: values.some((v) => JSON.stringify(v) !== first) };
  });
}

export const compareRouter = createTRPCRouter({
  runs: publicProcedure.input(z.object({ ids: z.array(Id).min(1, "give at least one run id").max(50) })).query(async ({ ctx, input }) => {
    const rows = await ctx.db.prisma.run.findMany({ where: { id: { in: input.ids } }, include: { experiment: { select: { name: true } } } });
    const missing = input.ids.filter((id) => !rows.some((r) => r.id === id));
    if (missing.length) throw new NotFoundError("run", missing.join(", "));
    const runs = input.ids.map((id) => rows.find((r) => r.id === id)!);
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
});
