// Saved selections: the runs page saves what a person selected (a hand-picked list, or every run
// matching the filter minus the ones unticked) and pages such as compare take its id, so a
// selection of thousands of runs travels in a POST body once and never in a URL.
import { z } from "zod";
import { NotFoundError } from "../errors.js";
import { Params, RunFilter, runFilterSql } from "../run-query.js";
import { MAX_SELECTION, RunSetError } from "../run-sets.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { Id } from "./shared.js";

const CreateInput = z.union([
  z
    .object({ ids: z.array(Id).min(1, "select at least one run").max(MAX_SELECTION, `at most ${MAX_SELECTION} runs in a selection: narrow the filter`) })
    .strict(),
  z.object({ filter: RunFilter, except: z.array(Id).max(MAX_SELECTION).default([]) }).strict(),
]);

export const selectionRouter = createTRPCRouter({
  /** Saves the runs (those that exist; a filter's newest first) and returns the selection's id and size. */
  create: publicProcedure.input(CreateInput).mutation(async ({ ctx, input }) => {
    const p = new Params();
    const matching =
      "ids" in input
        ? `SELECT u.id, u.n FROM unnest(${p.add(input.ids)}::text[]) WITH ORDINALITY AS u(id, n) JOIN "Run" r ON r.id = u.id`
        : `SELECT r.id, row_number() OVER (ORDER BY r."createdAt" DESC, r.id DESC) AS n FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId"
            WHERE ${runFilterSql(input.filter, p)} AND NOT (r.id = ANY(${p.add(input.except)}::text[]))`;
    const label = "ids" in input ? "hand-picked" : JSON.stringify(input.filter);
    const { rows: sized } = await ctx.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${matching}) m`, p.values);
    const n = sized[0]?.n ?? 0;
    if (n === 0) throw new RunSetError("no run matches this selection (they may have been deleted): reload the list and select again");
    if (n > MAX_SELECTION)
      throw new RunSetError(`a selection holds at most ${MAX_SELECTION.toLocaleString("en")} runs; ${n.toLocaleString("en")} match: narrow the filter`);
    const { rows } = await ctx.db.pool.query<{ id: string; count: number }>(
      `INSERT INTO "Selection" ("runIds", label)
       SELECT coalesce(array_agg(m.id ORDER BY m.n), '{}'), ${p.add(label)} FROM (${matching}) m
       RETURNING id, cardinality("runIds") AS count`,
      p.values,
    );
    return { id: rows[0]!.id, count: Number(rows[0]!.count) };
  }),

  /** A saved selection's size (runs deleted since are not counted) and label. */
  get: publicProcedure.input(z.object({ id: Id })).query(async ({ ctx, input }) => {
    const { rows } = await ctx.db.pool.query<{ id: string; label: string; count: number }>(
      `SELECT s.id, s.label, (SELECT count(*)::int FROM "Run" r WHERE r.id = ANY(s."runIds")) AS count FROM "Selection" s WHERE s.id = $1`,
      [input.id],
    );
    if (!rows[0]) throw new NotFoundError("selection", input.id);
    return rows[0];
  }),
});
