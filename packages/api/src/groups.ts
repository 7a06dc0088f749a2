// Runs grouped by config keys (W&B's and Aim's grouping): per group, the mean curve of a metric
// with its min-max band over the runs (seeds), and the final values' mean, sd, min and max. All
// in SQL, so a group of thousands of runs sends a few hundred numbers, not its runs.
//
// A curve: steps are cut into `buckets` equal buckets; each run's value in a bucket is the mean of
// its points there; the group's mean, min and max are over its runs' bucket values. Series longer
// than a bucket of 16+ steps read the min/max rollups instead of every point (a block's value is
// the midpoint of its lowest and highest point: an estimate of its mean that keeps the cost per
// run at about one row per bucket).
import { ROLLUP_WIDTHS, type Queryable } from "@unroll/db";
import { finalValue, Params } from "./run-query.js";

export interface Stat {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single run. */
  std: number;
  min: number;
  max: number;
}

export interface GroupCurve {
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
  /** Runs with a value in each bucket. */
  n: number[];
}

export interface Group {
  /** The group's value of each `by` key (null: the runs have no such key). */
  values: unknown[];
  /** `model.tied=true`, for legends. */
  label: string;
  runs: number;
  completed: number;
  /** Mean parameter count of its runs that have one. */
  paramCount: number | null;
  /** Distinct train.seed values (how many, lowest, highest), not the list: 1,000 seeds are one line. */
  seeds: { count: number; min: number | null; max: number | null };
  /** Final value (summary, else latest) of each asked key over the group's runs. */
  finals: Record<string, Stat | null>;
}

/** A config key's path for `#>`: `model.tied` -> {model,tied}. */
const path = (key: string) => key.split(".");

/** The JSON array of the run's values of the `by` keys: the group key (jsonb; text for GROUP BY). */
function groupKeySql(by: readonly string[], p: Params): string {
  return `jsonb_build_array(${by.map((k) => `r.config #> ${p.add(path(k))}::text[]`).join(", ")})`;
}

const labelOf = (by: readonly string[], values: unknown[]) => by.map((k, i) => `${k}=${values[i] === null ? "—" : JSON.stringify(values[i])}`).join(" ");

/** Per group: counts, seeds, parameters and each final metric's stats, groups in order of their key. */
export async function groupStats(db: Queryable, runIds: readonly string[], by: readonly string[], finals: readonly string[]): Promise<Group[]> {
  const p = new Params();
  const g = groupKeySql(by, p);
  const ids = p.add(runIds);
  const finalCols = finals.map((k, i) => `${finalValue(p, k)} AS v${i}`).join(", ");
  const finalAggs = finals
    .map(
      (_, i) => `count(v${i})::int AS n${i}, avg(v${i}) AS mean${i}, coalesce(stddev_samp(v${i}), 0) AS sd${i}, min(v${i}) AS min${i}, max(v${i}) AS max${i}`,
    )
    .join(", ");
  const seed = p.add(["train", "seed"]);
  const { rows } = await db.query<
    Record<string, unknown> & {
      g: unknown[];
      runs: number;
      completed: number;
      params: number | null;
      seeds: number;
      seedmin: number | null;
      seedmax: number | null;
    }
  >(
    `SELECT g, count(*)::int AS runs, count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed, avg("paramCount")::float8 AS params,
            count(DISTINCT seed)::int AS seeds, min(seed)::float8 AS seedmin, max(seed)::float8 AS seedmax${finals.length ? `, ${finalAggs}` : ""}
       FROM (SELECT ${g} AS g, r.status, r."paramCount",
                    CASE WHEN jsonb_typeof(r.config #> ${seed}::text[]) = 'number' THEN (r.config #>> ${seed}::text[])::float8 END AS seed
                    ${finals.length ? `, ${finalCols}` : ""}
               FROM "Run" r WHERE r.id = ANY(${ids}::text[])) x
      GROUP BY g ORDER BY g`,
    p.values,
  );
  return rows.map((r) => ({
    values: r.g,
    label: labelOf(by, r.g),
    runs: r.runs,
    completed: r.completed,
    paramCount: r.params === null ? null : Math.round(Number(r.params)),
    seeds: { count: r.seeds, min: r.seedmin, max: r.seedmax },
    finals: Object.fromEntries(
      finals.map((k, i) => {
        const n = Number(r[`n${i}`]);
        return [k, n === 0 ? null : { n, mean: Number(r[`mean${i}`]), std: Number(r[`sd${i}`]), min: Number(r[`min${i}`]), max: Number(r[`max${i}`]) }];
      }),
    ),
  }));
}

/** The finest rollup width that fits in a bucket of `width` steps (1: read the points). */
export function rollupFor(width: number): number {
  return [...ROLLUP_WIDTHS].reverse().find((w) => w <= width) ?? 1;
}

/** Per group (by its key, JSON text): the mean curve of `key` with its min-max band over runs. */
export async function groupCurves(
  db: Queryable,
  runIds: readonly string[],
  by: readonly string[],
  key: string,
  buckets: number,
): Promise<{ width: number; curves: Map<string, GroupCurve> }> {
  const { rows: ext } = await db.query<{ hi: number | null }>(`SELECT max("lastStep") AS hi FROM "MetricSeries" WHERE "runId" = ANY($1::text[]) AND key = $2`, [
    runIds,
    key,
  ]);
  const hi = ext[0]?.hi ?? null;
  const curves = new Map<string, GroupCurve>();
  if (hi === null) return { width: 1, curves };
  const need = Math.max(1, Math.ceil((hi + 1) / buckets));
  const rollup = rollupFor(need);
  const width = Math.ceil(need / rollup) * rollup; // whole blocks per bucket
  const p = new Params();
  const g = groupKeySql(by, p);
  const ids = p.add(runIds);
  const k = p.add(key);
  const w = p.add(width);
  // Each run's (bucket, value, x) rows: its points, or its rollup blocks' midpoints. Groups are
  // numbered first (gi) so that the big aggregations hash integers, not jsonb.
  const samples =
    rollup === 1
      ? `SELECT sg.gi, sg.sid, floor(pt.step / ${w}::float8)::int AS b, pt.value AS v, pt.step AS x
           FROM sg JOIN "MetricPoint" pt ON pt."seriesId" = sg.sid`
      : `SELECT sg.gi, sg.sid, floor(ro."minStep" / ${w}::float8)::int AS b, (ro."minValue" + ro."maxValue") / 2 AS v, (ro."minStep" + ro."maxStep") / 2.0 AS x
           FROM sg JOIN "MetricRollup" ro ON ro."seriesId" = sg.sid AND ro.width = ${p.add(rollup)}`;
  const { rows } = await db.query<{ g: unknown[]; x: number; mean: number; lo: number; hi: number; n: number }>(
    `WITH s AS (SELECT ${g} AS g, ms.id AS sid FROM "Run" r JOIN "MetricSeries" ms ON ms."runId" = r.id AND ms.key = ${k}
                 WHERE r.id = ANY(${ids}::text[])),
          gs AS (SELECT g, row_number() OVER () AS gi FROM (SELECT DISTINCT g FROM s) d),
          sg AS (SELECT s.sid, gs.gi FROM s JOIN gs ON gs.g = s.g),
          samples AS (${samples}),
          per_run AS (SELECT gi, sid, b, avg(v) AS v, avg(x) AS x FROM samples
                       WHERE v NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) GROUP BY gi, sid, b),
          agg AS (SELECT gi, b, avg(x)::float8 AS x, avg(v)::float8 AS mean, min(v)::float8 AS lo, max(v)::float8 AS hi, count(*)::int AS n
                    FROM per_run GROUP BY gi, b)
     SELECT gs.g, agg.x, agg.mean, agg.lo, agg.hi, agg.n FROM agg JOIN gs ON gs.gi = agg.gi ORDER BY gs.g, agg.b`,
    p.values,
  );
  for (const r of rows) {
    const id = JSON.stringify(r.g);
    let c = curves.get(id);
    if (!c) curves.set(id, (c = { x: [], mean: [], lo: [], hi: [], n: [] }));
    c.x.push(Number(r.x));
    c.mean.push(Number(r.mean));
    c.lo.push(Number(r.lo));
    c.hi.push(Number(r.hi));
    c.n.push(r.n);
  }
  return { width, curves };
}

/**
 * Config keys (dotted) whose values are not the same in every one of these runs (missing counts
 * as a value), leaving out `ignored`: flattened in SQL (jsonb_each, recursively).
 */
export async function differingKeys(db: Queryable, runIds: readonly string[], ignored: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ path: string }>(
    `WITH RECURSIVE flat(id, path, v) AS (
       SELECT r.id, e.k, e.v FROM "Run" r, jsonb_each(r.config) AS e(k, v) WHERE r.id = ANY($1::text[]) AND jsonb_typeof(r.config) = 'object'
       UNION ALL
       SELECT f.id, f.path || '.' || e.k, e.v FROM flat f, jsonb_each(f.v) AS e(k, v) WHERE jsonb_typeof(f.v) = 'object'
     )
     SELECT path FROM flat WHERE jsonb_typeof(v) <> 'object' AND NOT (path = ANY($2::text[]))
      GROUP BY path HAVING count(DISTINCT v) > 1 OR count(*) < cardinality($1::text[])
      ORDER BY path`,
    [runIds, ignored],
  );
  return rows.map((r) => r.path);
}
