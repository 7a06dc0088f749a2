// Which runs a compare, grouping or importance view is about: a few ids, a saved selection (the
// runs page saves one for "select all N matching" or a long hand-picked list, so no URL carries
// hundreds of ids: Node answers 431 past ~16 KB of headers), or a filter (an experiment's runs).
import { z } from "zod";
import type { Db } from "@unroll/db";
import { NotFoundError } from "./errors.js";
import { Params, RunFilter, runFilterSql } from "./run-query.js";
import { Id } from "./router/shared.js";

/** Most runs one saved selection holds. */
export const MAX_SELECTION = 20_000;

export const RunSet = z
  .object({
    ids: z
      .array(Id)
      .min(1, "give at least one run id")
      .max(50, "at most 50 ids in a request: save a selection (selection.create) and pass its selectionId")
      .optional(),
    selectionId: Id.optional(),
    filter: RunFilter.optional(),
  })
  .strict()
  .refine((s) => [s.ids, s.selectionId, s.filter].filter((x) => x !== undefined).length === 1, "give exactly one of ids, selectionId or filter");
export type RunSet = z.output<typeof RunSet>;

/** A set of runs that cannot serve what was asked: too many, or none. */
export class RunSetError extends Error {
  override name = "RunSetError";
}

/**
 * The set's run ids that exist, in its order (ids as given, a selection as saved, a filter newest
 * first). More than `max`: RunSetError naming both numbers. Given ids that do not exist:
 * NotFoundError.
 */
export async function resolveRunIds(db: Pick<Db, "pool">, set: RunSet, max: number, what: string): Promise<string[]> {
  let ids: string[];
  if (set.ids) {
    const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM "Run" WHERE id = ANY($1::text[])`, [set.ids]);
    const found = new Set(rows.map((r) => r.id));
    const missing = set.ids.filter((id) => !found.has(id));
    if (missing.length) throw new NotFoundError("run", missing.join(", "));
    ids = [...new Set(set.ids)];
  } else if (set.selectionId) {
    // a selection keeps the runs that still exist, in its order
    const { rows } = await db.pool.query<{ ids: string[] | null }>(
      `SELECT (SELECT array_agg(u.id ORDER BY u.n) FROM unnest(s."runIds") WITH ORDINALITY AS u(id, n) JOIN "Run" r ON r.id = u.id) AS ids
         FROM "Selection" s WHERE s.id = $1`,
      [set.selectionId],
    );
    if (!rows[0]) throw new NotFoundError("selection", set.selectionId);
    ids = rows[0].ids ?? [];
  } else {
    const p = new Params();
    const where = runFilterSql(set.filter ?? {}, p);
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT r.id FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId" WHERE ${where} ORDER BY r."createdAt" DESC, r.id DESC LIMIT ${p.add(max + 1)}`,
      p.values,
    );
    ids = rows.map((r) => r.id);
  }
  if (ids.length > max)
    throw new RunSetError(
      `${what} takes at most ${max.toLocaleString("en")} runs; this set has ${set.filter ? "more" : ids.length.toLocaleString("en")}: narrow the filter or pick fewer runs`,
    );
  return ids;
}
