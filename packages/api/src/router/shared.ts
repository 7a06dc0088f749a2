// Small reads and input schemas shared by several routers.
import { z } from "zod";
import { RUN_LIMITS, type Queryable } from "@unroll/db";

/** A run's or experiment's id, as the api hands them out. */
export const Id = z.string().min(1, "give an id (see run.list)").max(100, "an id is at most 100 characters: this is not one");

/** An experiment's name: what enqueueRuns accepts (RUN_LIMITS). */
export const ExperimentName = z
  .string()
  .trim()
  .min(1, "name the experiment")
  .max(RUN_LIMITS.experimentName, `at most ${RUN_LIMITS.experimentName} characters: shorten the name`);

/** One tag on a run. */
export const Tag = z
  .string()
  .trim()
  .min(1, "a tag cannot be empty: remove it")
  .max(RUN_LIMITS.tag, `a tag is at most ${RUN_LIMITS.tag} characters: shorten it`);
export const Tags = z.array(Tag).max(RUN_LIMITS.tags, `at most ${RUN_LIMITS.tags} tags: drop some`);

/** The last value of each key for each run: the series rows the writer keeps (one per run and key). */
export async function latestValues(db: Queryable, runIds: string[], keys: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (runIds.length === 0) return out;
  const { rows } = await db.query<{ runId: string; key: string; value: number }>(
    `SELECT "runId", key, "lastValue" AS value FROM "MetricSeries"
      WHERE "runId" = ANY($1::text[]) AND key = ANY($2::text[]) AND "lastValue" IS NOT NULL`,
    [runIds, keys],
  );
  for (const r of rows) {
    const rec = out.get(r.runId) ?? {};
    rec[r.key] = Number(r.value);
    out.set(r.runId, rec);
  }
  return out;
}

/** NaN and ±Infinity do not survive JSON: send null. */
export function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
