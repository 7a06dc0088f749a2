// Small reads shared by several routers.
import type { Queryable } from "@unroll/db";

/** The validation metrics a run of this task is judged by, preferred first (series keys). */
export function mainMetricKeys(task: string | null): string[] {
  if (task === "lm") return ["valid/perplexity"];
  if (task === "tagger") return ["valid/f1", "valid/accuracy"]; // NER has entity F1, POS only accuracy
  if (task === "classifier") return ["valid/accuracy", "valid/macroF1"];
  return [];
}

/** The last value of each key for each run: one index scan per (run, key). */
export async function latestValues(db: Queryable, runIds: string[], keys: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (runIds.length === 0) return out;
  // One backward step on the primary key (runId, key, step) per run and key: milliseconds however
  // long the series are (a DISTINCT ON over the points took 7 s for 20 runs x 100k points).
  const { rows } = await db.query<{ runId: string; key: string; value: number }>(
    `SELECT r.id AS "runId", k.key, m.value
       FROM unnest($1::text[]) AS r(id)
      CROSS JOIN unnest($2::text[]) AS k(key)
      CROSS JOIN LATERAL (SELECT value FROM "MetricPoint" WHERE "runId" = r.id AND key = k.key ORDER BY step DESC LIMIT 1) m`,
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
