// Min/max rollups of metric series: for each block of `width` steps (block = floor(step / width)),
// the lowest and the highest point, ordered by (value, step) (so among equal values the lowest is
// the earliest step and the highest the latest). A chart of a long
// series reads a few rows per pixel from here instead of every point.
//
// Widths are powers of 4 from 16 to 262,144. A view of B buckets reads from the coarsest width
// that fits a bucket, so at most ~4 rows per bucket however long the series; the writer pays
// about one extra row per 12 points (1/16 + 1/64 + ...).

/** log2 of each rollup width: 16, 64, 256, ... 262144. */
export const ROLLUP_SHIFTS = [4, 6, 8, 10, 12, 14, 16, 18] as const;
export const ROLLUP_WIDTHS: readonly number[] = ROLLUP_SHIFTS.map((s) => 2 ** s);

/** Float8 ordering is Postgres's (NaN above every number), so SQL picks and merges agree. */
const LOWER = (a: string, b: string) => `(${a}."minValue", ${a}."minStep") < (${b}."minValue", ${b}."minStep")`;
const HIGHER = (a: string, b: string) => `(${a}."maxValue", ${a}."maxStep") > (${b}."maxValue", ${b}."maxStep")`;

/**
 * CTEs (to follow a CTE `source` with columns s = seriesId, step, value, t = wallTime) that
 * compute every width's rollup rows of `source`, ending in `rolled` with MetricRollup's columns.
 * The lowest point of a block is the first by (value, step), the highest the last by (value, step).
 * The finest width takes one sort of the points; each coarser one is computed from the next finer
 * one's rows (few).
 */
export function rollupCtes(source: string, name = "rolled"): string {
  const [first, ...rest] = ROLLUP_SHIFTS;
  const ctes = [
    `r${first} AS (SELECT DISTINCT ON (s, step >> ${first}) s, step >> ${first} AS b, step AS ls, value AS lv, t AS lt,
         last_value(step) OVER w AS hs, last_value(value) OVER w AS hv, last_value(t) OVER w AS ht
    FROM ${source}
  WINDOW w AS (PARTITION BY s, step >> ${first} ORDER BY value, step ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
   ORDER BY s, step >> ${first}, value, step)`,
  ];
  let prev: number = first;
  for (const shift of rest) {
    const b = `b >> ${shift - prev}`;
    ctes.push(`r${shift} AS (SELECT DISTINCT ON (s, ${b}) s, ${b} AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r${prev} WINDOW h AS (PARTITION BY s, ${b} ORDER BY hv DESC, hs DESC) ORDER BY s, ${b}, lv, ls)`);
    prev = shift;
  }
  const parts = ROLLUP_SHIFTS.map((shift) => `SELECT s, ${2 ** shift}, b, ls, lv, lt, hs, hv, ht FROM r${shift}`);
  ctes.push(
    `${name} ("seriesId", "width", "block", "minStep", "minValue", "minWallTime", "maxStep", "maxValue", "maxWallTime") AS (\n  ${parts.join("\n  UNION ALL ")})`,
  );
  return ctes.join(",\n");
}

/** Postgres's float8 order: NaN above every number and equal to itself; -0 equals 0. */
function compare(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** MetricRollup's columns, one array each (the parameters of an unnest; wall times in ms). */
export interface RollupColumns {
  seriesIds: number[];
  widths: number[];
  blocks: number[];
  minSteps: number[];
  minValues: number[];
  minWallTimes: number[];
  maxSteps: number[];
  maxValues: number[];
  maxWallTimes: number[];
}

/**
 * The rollup rows of points [start, end) of these columns, by the same rule as rollupCtes (for a
 * chunk whose points were all inserted: the writer checks that in SQL before using them).
 */
export function computeRollups(c: { seriesIds: number[]; steps: number[]; values: number[]; wallTimes: number[] }, start: number, end: number): RollupColumns {
  const out: RollupColumns = {
    seriesIds: [],
    widths: [],
    blocks: [],
    minSteps: [],
    minValues: [],
    minWallTimes: [],
    maxSteps: [],
    maxValues: [],
    maxWallTimes: [],
  };
  const lower = (i: number, j: number) => {
    const d = compare(c.values[i]!, c.values[j]!);
    return d < 0 || (d === 0 && c.steps[i]! < c.steps[j]!);
  };
  const higher = (i: number, j: number) => {
    const d = compare(c.values[i]!, c.values[j]!);
    return d > 0 || (d === 0 && c.steps[i]! > c.steps[j]!);
  };
  // per series, per block: the indexes of its lowest and highest point
  let level = new Map<number, Map<number, [number, number]>>();
  for (let i = start; i < end; i++) {
    const s = c.seriesIds[i]!;
    let blocks = level.get(s);
    if (!blocks) level.set(s, (blocks = new Map()));
    const b = c.steps[i]! >> ROLLUP_SHIFTS[0];
    const e = blocks.get(b);
    if (!e) blocks.set(b, [i, i]);
    else {
      if (lower(i, e[0])) e[0] = i;
      if (higher(i, e[1])) e[1] = i;
    }
  }
  ROLLUP_SHIFTS.forEach((shift, k) => {
    const next = new Map<number, Map<number, [number, number]>>();
    const up = k + 1 < ROLLUP_SHIFTS.length ? ROLLUP_SHIFTS[k + 1]! - shift : 0;
    for (const [s, blocks] of level) {
      const coarser = new Map<number, [number, number]>();
      next.set(s, coarser);
      for (const [b, [lo, hi]] of blocks) {
        out.seriesIds.push(s);
        out.widths.push(2 ** shift);
        out.blocks.push(b);
        out.minSteps.push(c.steps[lo]!);
        out.minValues.push(c.values[lo]!);
        out.minWallTimes.push(c.wallTimes[lo]!);
        out.maxSteps.push(c.steps[hi]!);
        out.maxValues.push(c.values[hi]!);
        out.maxWallTimes.push(c.wallTimes[hi]!);
        const e = coarser.get(b >> up);
        if (!e) coarser.set(b >> up, [lo, hi]);
        else {
          if (lower(lo, e[0])) e[0] = lo;
          if (higher(hi, e[1])) e[1] = hi;
        }
      }
    }
    level = next;
  });
  return out;
}

/** Upserts `rolled` (see rollupCtes): a stored block keeps the lower minimum and the higher maximum. */
export const UPSERT_ROLLED = `
INSERT INTO "MetricRollup" AS r ("seriesId", "width", "block", "minStep", "minValue", "minWallTime", "maxStep", "maxValue", "maxWallTime")
SELECT * FROM rolled
ON CONFLICT ("seriesId", "width", "block") DO UPDATE SET
  "minStep" = CASE WHEN ${LOWER("EXCLUDED", "r")} THEN EXCLUDED."minStep" ELSE r."minStep" END,
  "minValue" = CASE WHEN ${LOWER("EXCLUDED", "r")} THEN EXCLUDED."minValue" ELSE r."minValue" END,
  "minWallTime" = CASE WHEN ${LOWER("EXCLUDED", "r")} THEN EXCLUDED."minWallTime" ELSE r."minWallTime" END,
  "maxStep" = CASE WHEN ${HIGHER("EXCLUDED", "r")} THEN EXCLUDED."maxStep" ELSE r."maxStep" END,
  "maxValue" = CASE WHEN ${HIGHER("EXCLUDED", "r")} THEN EXCLUDED."maxValue" ELSE r."maxValue" END,
  "maxWallTime" = CASE WHEN ${HIGHER("EXCLUDED", "r")} THEN EXCLUDED."maxWallTime" ELSE r."maxWallTime" END`;

/** How readSeries cuts [lo, hi] into buckets: `width` steps each (aligned: bucket = floor(step / width)),
 * read from the rollups of width `rollup` (1: from the points). */
export interface BucketPlan {
  width: number;
  rollup: number;
}

/**
 * Buckets for at most `buckets` + 1 aligned buckets over [lo, hi]. The width is a multiple of a
 * rollup width so that every whole block falls in one bucket: the coarsest rollup whose multiple
 * widens the buckets by at most a quarter (a little less detail, far fewer rows: at most ~5 rows
 * per bucket from width 16 up). Narrower views (under ~60 steps per bucket) read the points.
 */
export function planBuckets(lo: number, hi: number, buckets: number): BucketPlan {
  const need = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(1, buckets)));
  for (let i = ROLLUP_WIDTHS.length - 1; i >= 0; i--) {
    const w = ROLLUP_WIDTHS[i]!;
    const width = Math.ceil(need / w) * w;
    if (width <= need * 1.25) return { width, rollup: w };
  }
  return { width: need, rollup: 1 };
}
