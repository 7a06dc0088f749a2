// Reading metric series for charts: one series in step order, downsampled in SQL to about
// maxPoints points (the lowest and the highest point of each bucket, so spikes survive), from the
// min/max rollups where whole blocks fit in a bucket and from the points elsewhere.
import type { Queryable } from "./metrics.js";
import { planBuckets } from "./rollups.js";

export interface SeriesPoint {
  step: number;
  value: number;
  wallTime: Date;
}

export interface ReadSeriesOptions {
  /** At most about this many points (default 1000). Above it, the step range is cut into at most
   * maxPoints/2 equal, aligned buckets and each bucket keeps its min and its max point. */
  maxPoints?: number;
  fromStep?: number;
  toStep?: number;
  /** Read the rollups where they apply (default true); false computes every bucket from the points
   * (same result, for tests and comparison). */
  rollups?: boolean;
}

const MIN_STEP = -2147483648;
const MAX_STEP = 2147483647;

// The series' id, whether the range holds more than $5 points (counting stops there: ORDER BY
// keeps it on the primary key, where a LIMIT alone let the planner pick a sequential scan that
// reads other series' rows first), and the first and last step in the range (two index probes).
const EXTENT = `
SELECT s."id",
       (SELECT count(*)::int FROM (SELECT 1 FROM "MetricPoint" p WHERE p."seriesId" = s."id" AND p."step" BETWEEN $3 AND $4 ORDER BY p."step" LIMIT $5) x) AS n,
       (SELECT min(p."step") FROM "MetricPoint" p WHERE p."seriesId" = s."id" AND p."step" BETWEEN $3 AND $4) AS lo,
       (SELECT max(p."step") FROM "MetricPoint" p WHERE p."seriesId" = s."id" AND p."step" BETWEEN $3 AND $4) AS hi
  FROM "MetricSeries" s WHERE s."runId" = $1 AND s."key" = $2`;

// Wall times leave as ms (float8, rounded: timestamptz(3) is whole ms): pg parses a timestamptz in
// JS several times slower than a number (a 800-point read: 3.0 -> 2.5 ms).
const MS = (column: string) => `round(date_part('epoch', ${column}) * 1000)`;

const ALL_POINTS = `SELECT "step", "value", ${MS('"wallTime"')} AS ms FROM "MetricPoint" WHERE "seriesId" = $1 AND "step" BETWEEN $2 AND $3 ORDER BY "step"`;

// Candidates: both points of each whole block of width $4 in blocks [$5, $6] (rollups), and the
// points of [$2, $7) and ($8, $3] (the range's ends that cut a block, or all of it). Then per
// bucket of width $9 the lowest by (value, step) and the highest by (value desc, step), as the
// points alone would give.
const BUCKETS = `
WITH c AS (
  SELECT "minStep" AS step, "minValue" AS value, "minWallTime" AS t FROM "MetricRollup"
   WHERE "seriesId" = $1 AND "width" = $4 AND "block" BETWEEN $5 AND $6
  UNION ALL
  SELECT "maxStep", "maxValue", "maxWallTime" FROM "MetricRollup"
   WHERE "seriesId" = $1 AND "width" = $4 AND "block" BETWEEN $5 AND $6
  UNION ALL
  SELECT "step", "value", "wallTime" FROM "MetricPoint" WHERE "seriesId" = $1 AND "step" >= $2 AND "step" < $7::int8
  UNION ALL
  SELECT "step", "value", "wallTime" FROM "MetricPoint" WHERE "seriesId" = $1 AND "step" > $8::int8 AND "step" <= $3
), lo AS (
  SELECT DISTINCT ON (floor(step / $9::float8)) step, value, t FROM c ORDER BY floor(step / $9::float8), value, step
), hi AS (
  SELECT DISTINCT ON (floor(step / $9::float8)) step, value, t FROM c ORDER BY floor(step / $9::float8), value DESC, step DESC
)
SELECT step, value, ${MS("t")} AS ms FROM lo UNION SELECT step, value, ${MS("t")} FROM hi ORDER BY step`;

type Row = { step: number; value: number; ms: number };
const toPoints = (rows: Row[]): SeriesPoint[] => rows.map((r) => ({ step: r.step, value: Number(r.value), wallTime: new Date(r.ms) }));

/** One series in step order, downsampled in SQL to about maxPoints points (min and max per bucket). */
export async function readSeries(db: Queryable, runId: string, key: string, options: ReadSeriesOptions = {}): Promise<SeriesPoint[]> {
  const maxPoints = Math.max(2, Math.floor(options.maxPoints ?? 1000));
  const from = Math.max(MIN_STEP, options.fromStep ?? MIN_STEP);
  const to = Math.min(MAX_STEP, options.toStep ?? MAX_STEP);
  const { rows } = await db.query<{ id: number; n: number; lo: number | null; hi: number | null }>(EXTENT, [runId, key, from, to, maxPoints + 1]);
  const s = rows[0];
  if (!s || s.lo === null || s.hi === null) return [];
  if (s.n <= maxPoints) return toPoints((await db.query<Row>(ALL_POINTS, [s.id, s.lo, s.hi])).rows);

  // aligned buckets over [lo, hi]: at most `buckets` + 1 of them, two points each
  const plan = planBuckets(s.lo, s.hi, Math.max(1, Math.floor(maxPoints / 2) - 1));
  const w = options.rollups === false ? 1 : plan.rollup;
  // blocks of width w whose steps all lie in [from, to] (so all their stored points are in the
  // range), and only those from lo's to hi's (tight bounds: a wide block range made the planner
  // expect many rows and start parallel workers, 5 ms); the rest comes from the points
  let firstBlock = Math.max(Math.ceil(from / w), Math.floor(s.lo / w));
  let lastBlock = Math.min(Math.floor((to + 1) / w) - 1, Math.floor(s.hi / w));
  if (w === 1 || firstBlock > lastBlock) [firstBlock, lastBlock] = [1, 0];
  const rawBelow = firstBlock <= lastBlock ? firstBlock * w : s.hi + 1;
  const rawAbove = firstBlock <= lastBlock ? (lastBlock + 1) * w - 1 : s.hi;
  const { rows: points } = await db.query<Row>(BUCKETS, [s.id, s.lo, s.hi, w, firstBlock, lastBlock, rawBelow, rawAbove, plan.width]);
  return toPoints(points);
}
