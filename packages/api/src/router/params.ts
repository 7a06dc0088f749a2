// Parallel coordinates and parameter importance for an experiment or a selection: each run's
// values of the chosen config keys (default: the keys that differ between the runs) and its final
// metric, and per key how much it matters for that metric (importance.ts).
import { z } from "zod";
import { differingKeys } from "../groups.js";
import { importance, type ParamValue } from "../importance.js";
import { finalValue, Params } from "../run-query.js";
import { resolveRunIds, RunSet } from "../run-sets.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { MAX_GROUPED } from "./compare.js";

/** Config keys drawn as axes at most (the first ones that differ, when none are chosen). */
export const MAX_AXES = 12;
const ConfigKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, "a dotted config key such as train.lr");

export const paramsRouter = createTRPCRouter({
  coordinates: publicProcedure
    .input(z.object({ runs: RunSet, metric: z.string().min(1).max(200), keys: z.array(ConfigKey).max(MAX_AXES, `at most ${MAX_AXES} axes`).optional() }))
    .query(async ({ ctx, input }) => {
      const ids = await resolveRunIds(ctx.db, input.runs, MAX_GROUPED, "parallel coordinates");
      const keys = input.keys ?? (await differingKeys(ctx.db.pool, ids, ["name", "train.seed"])).slice(0, MAX_AXES);
      const p = new Params();
      const cols = keys.map((k, i) => `r.config #> ${p.add(k.split("."))}::text[] AS k${i}`);
      const { rows } = await ctx.db.pool.query<Record<string, unknown> & { id: string; name: string; metric: number | null }>(
        `SELECT r.id, r.name, ${finalValue(p, input.metric)} AS metric${cols.length ? `, ${cols.join(", ")}` : ""}
           FROM "Run" r WHERE r.id = ANY(${p.add(ids)}::text[]) ORDER BY r."createdAt", r.id`,
        p.values,
      );
      const leaf = (v: unknown): ParamValue =>
        v === null || v === undefined ? null : typeof v === "number" || typeof v === "string" || typeof v === "boolean" ? v : JSON.stringify(v);
      const runs = rows.map((r) => ({
        id: r.id,
        name: r.name,
        metric: r.metric === null ? null : Number(r.metric),
        values: keys.map((_, i) => leaf(r[`k${i}`])),
      }));
      const axes = keys.map((key, i) => {
        const present = runs.map((r) => r.values[i]).filter((v) => v !== null);
        const numeric = present.length > 0 && present.every((v) => typeof v === "number");
        return numeric
          ? { key, kind: "number" as const, categories: null }
          : { key, kind: "category" as const, categories: [...new Set(present.map(String))].sort() };
      });
      return { metric: input.metric, axes, runs, importance: importance(keys, runs) };
    }),
});
