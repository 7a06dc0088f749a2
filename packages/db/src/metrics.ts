// Metric points: bulk idempotent writes, in SQL.
// createMany of 100k rows takes ~16 s; one INSERT ... SELECT FROM unnest(arrays) per chunk ~1 s.
//
// Points are keyed by (seriesId int, step int): the writer resolves each (runId, key) to its
// MetricSeries id once (cached per pool), so the point rows carry no text and the per-row foreign
// key check is an integer lookup. One statement per chunk inserts the points and, from the rows it
// actually inserted (a replay inserts none), updates the series summary and the min/max rollups.
import type pg from "pg";
import { computeRollups, rollupCtes, UPSERT_ROLLED } from "./rollups.js";

/** Anything with pg's query(text, values): a Pool, a PoolClient or a Client. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface MetricPointInput {
  runId: string;
  key: string;
  step: number;
  /** NaN and ±Infinity are stored as such (float8). */
  value: number;
  /** Default: now. */
  wallTime?: Date | number;
}

export const METRIC_CHUNK_SIZE = 10_000;
/** Writes of at least this many points are split over two connections (disjoint series). */
const PARALLEL_MIN_POINTS = 20_000;

// MetricPoint has no foreign key (its per-row check cost as much as the insert): the chunk's
// series rows are locked once (FOR KEY SHARE, what that check takes per row, so a concurrent
// delete of the run waits for this statement), and points of a series deleted meanwhile are not
// inserted: the writer then fails with a foreign key violation, as it would with the key.
// $5..$7: per series in the chunk, its highest step and that step's value. After the statement
// every input point is stored (inserted now, or there before), so the series' last step is the
// greater of the stored one and $6, with no need to know which points were inserted; the count
// adds only the inserted ones.
// $8..$16: the chunk's rollups computed here, right when all $17 points were inserted (the usual
// case); otherwise they are computed in SQL from the inserted rows only (replays, overlaps).
const INSERT_POINTS = `
WITH locked AS (
  SELECT "id" FROM "MetricSeries" WHERE "id" = ANY($5::int[]) FOR KEY SHARE
), ins AS (
  INSERT INTO "MetricPoint" ("seriesId", "step", "value", "wallTime")
  SELECT p.s, p.step, p.value, to_timestamp(p.t / 1000) FROM unnest($1::int[], $2::int[], $3::float8[], $4::float8[]) AS p(s, step, value, t)
   WHERE p.s IN (SELECT "id" FROM locked)
  ON CONFLICT ("seriesId", "step") DO NOTHING
  RETURNING "seriesId" AS s, "step", "value", "wallTime" AS t
), summary AS (
  UPDATE "MetricSeries" m
     SET "pointCount" = m."pointCount" + coalesce(c.n, 0),
         "lastStep" = CASE WHEN m."lastStep" IS NULL OR l.step > m."lastStep" THEN l.step ELSE m."lastStep" END,
         "lastValue" = CASE WHEN m."lastStep" IS NULL OR l.step > m."lastStep" THEN l.value ELSE m."lastValue" END
    FROM unnest($5::int[], $6::int[], $7::float8[]) AS l(s, step, value)
         LEFT JOIN (SELECT s, count(*) AS n FROM ins GROUP BY s) c USING (s)
   WHERE m.id = l.s
), inserted AS (SELECT count(*)::int AS n FROM ins),
given ("seriesId", "width", "block", "minStep", "minValue", "minWallTime", "maxStep", "maxValue", "maxWallTime") AS (
  SELECT s, w, b, ls, lv, to_timestamp(lt / 1000), hs, hv, to_timestamp(ht / 1000)
    FROM unnest($8::int[], $9::int[], $10::int[], $11::int[], $12::float8[], $13::float8[], $14::int[], $15::float8[], $16::float8[]) AS g(s, w, b, ls, lv, lt, hs, hv, ht)
), ${rollupCtes("ins", "computed")},
rolled AS (
  SELECT * FROM given WHERE (SELECT n FROM inserted) = $17
  UNION ALL
  SELECT * FROM computed WHERE (SELECT n FROM inserted) < $17
), upserted AS (${UPSERT_ROLLED})
SELECT n, (SELECT count(*)::int FROM locked) AS series FROM inserted`;

const RESOLVE_SERIES = `
WITH want AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS w("runId", "key")),
created AS (
  INSERT INTO "MetricSeries" ("runId", "key") SELECT * FROM want ORDER BY 1, 2
  ON CONFLICT ("runId", "key") DO NOTHING RETURNING "id", "runId", "key"
)
SELECT * FROM created
UNION ALL
SELECT s."id", s."runId", s."key" FROM "MetricSeries" s JOIN want USING ("runId", "key")`;

/** (runId, key) -> series id, per pool: series are never renamed and ids never reused. */
const seriesCache = new WeakMap<object, Map<string, number>>();
const pairKey = (runId: string, key: string) => `${runId}\u0000${key}`;

/** The series ids of these (runId, key) pairs, creating the missing series. */
export async function resolveSeries(db: Queryable, pairs: Iterable<readonly [string, string]>): Promise<Map<string, number>> {
  let cache = seriesCache.get(db);
  if (!cache) seriesCache.set(db, (cache = new Map()));
  const missing = new Map<string, readonly [string, string]>();
  for (const [runId, key] of pairs) {
    const k = pairKey(runId, key);
    if (!cache.has(k)) missing.set(k, [runId, key]);
  }
  // twice at most: a series created by a concurrent writer after this statement's snapshot is
  // skipped by ON CONFLICT and not seen by the SELECT; the second statement sees it
  for (let attempt = 0; attempt < 2 && missing.size > 0; attempt++) {
    const list = [...missing.values()];
    const { rows } = await db.query<{ id: number; runId: string; key: string }>(RESOLVE_SERIES, [list.map((p) => p[0]), list.map((p) => p[1])]);
    for (const r of rows) {
      cache.set(pairKey(r.runId, r.key), r.id);
      missing.delete(pairKey(r.runId, r.key));
    }
  }
  if (missing.size > 0) throw new Error(`could not create metric series ${[...missing.values()].map((p) => p.join("/")).join(", ")}`);
  return cache;
}

/** Forget cached series ids (after their runs were deleted). */
export function forgetSeries(db: Queryable): void {
  seriesCache.delete(db);
}

interface Columns {
  seriesIds: number[];
  steps: number[];
  values: number[];
  /** ms since the epoch (numbers travel faster than Dates: pg formats each Date in JS) */
  wallTimes: number[];
}

async function insertChunks(db: Queryable, c: Columns, chunkSize: number): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < c.steps.length; start += chunkSize) {
    const end = Math.min(start + chunkSize, c.steps.length);
    const last = new Map<number, number>(); // series id -> index of its highest step in the chunk
    for (let i = start; i < end; i++) {
      const j = last.get(c.seriesIds[i]!);
      if (j === undefined || c.steps[i]! > c.steps[j]!) last.set(c.seriesIds[i]!, i);
    }
    const r = computeRollups(c, start, end);
    const { rows } = await db.query<{ n: number; series: number }>(INSERT_POINTS, [
      c.seriesIds.slice(start, end),
      c.steps.slice(start, end),
      c.values.slice(start, end),
      c.wallTimes.slice(start, end),
      [...last.keys()],
      [...last.values()].map((i) => c.steps[i]),
      [...last.values()].map((i) => c.values[i]),
      r.seriesIds,
      r.widths,
      r.blocks,
      r.minSteps,
      r.minValues,
      r.minWallTimes,
      r.maxSteps,
      r.maxValues,
      r.maxWallTimes,
      end - start,
    ]);
    if ((rows[0]?.series ?? 0) < last.size) {
      throw Object.assign(new Error(`metric series of a deleted run: ${last.size - (rows[0]?.series ?? 0)} of ${last.size} series are gone`), {
        code: "23503",
      });
    }
    inserted += rows[0]?.n ?? 0;
  }
  return inserted;
}

/**
 * Splits the points into `parts` groups of whole series of about equal size: groups touch
 * disjoint series (and so disjoint summary and rollup rows), so they can be written concurrently
 * without waiting on each other's row locks.
 */
function groupBySeries(points: readonly MetricPointInput[], ids: Map<string, number>, parts: number, now: number): Columns[] {
  const perSeries = new Map<number, number>();
  const seriesOf = points.map((p) => {
    if (!Number.isInteger(p.step)) throw new Error(`metric step must be an integer, got ${p.step} (${p.key})`);
    const id = ids.get(pairKey(p.runId, p.key))!;
    perSeries.set(id, (perSeries.get(id) ?? 0) + 1);
    return id;
  });
  const groupOf = new Map<number, number>();
  const sizes = new Array<number>(parts).fill(0);
  for (const [id, n] of [...perSeries].sort((a, b) => b[1] - a[1])) {
    const g = sizes.indexOf(Math.min(...sizes));
    groupOf.set(id, g);
    sizes[g]! += n;
  }
  const groups: Columns[] = Array.from({ length: parts }, () => ({ seriesIds: [], steps: [], values: [], wallTimes: [] }));
  points.forEach((p, i) => {
    const g = groups[groupOf.get(seriesOf[i]!)!]!;
    g.seriesIds.push(seriesOf[i]!);
    g.steps.push(p.step);
    g.values.push(p.value);
    g.wallTimes.push(p.wallTime === undefined ? now : typeof p.wallTime === "number" ? p.wallTime : p.wallTime.getTime());
  });
  return groups.filter((g) => g.steps.length > 0);
}

/**
 * Insert points; a point whose (runId, key, step) exists is skipped, so replaying a batch after a
 * crash or retry is harmless. One statement per chunk; big writes go over two connections when
 * `db` is a pool. Returns the number of rows inserted.
 */
export async function writeMetricPoints(
  db: Queryable,
  points: readonly MetricPointInput[],
  options: { chunkSize?: number; parallel?: number } = {},
): Promise<number> {
  if (points.length === 0) return 0;
  const chunkSize = options.chunkSize ?? METRIC_CHUNK_SIZE;
  const parallel = options.parallel ?? (points.length >= PARALLEL_MIN_POINTS ? 2 : 1);
  const write = async () => {
    const ids = await resolveSeries(
      db,
      points.map((p) => [p.runId, p.key] as const),
    );
    const groups = groupBySeries(points, ids, parallel, Date.now());
    const counts = await Promise.all(groups.map((g) => insertChunks(db, g, chunkSize)));
    return counts.reduce((a, b) => a + b, 0);
  };
  try {
    return await write();
  } catch (error) {
    // a cached series whose run was deleted (and the series with it): resolve afresh, once
    if ((error as { code?: string }).code !== "23503") throw error;
    forgetSeries(db);
    return write();
  }
}
