// The runs table's query in SQL: filters, a sort over any listed column (summary metrics too), and
// keyset pages. A page asks for rows after the last one it saw, by (sort value, id), so pages stay
// complete and free of duplicates while runs are inserted or change (an offset would shift), and
// the cost of a page does not grow with how far down it is. Counting, "select all matching" and
// grouping use the same WHERE (runFilterSql), so what the person sees is what they act on.
import { z } from "zod";
import { RUN_LIMITS } from "@unroll/db";
import { mainMetricKeys, MAIN_METRICS, METRIC_KEYS, RUN_STATUSES, summaryKey } from "@unroll/domain";
import { Id } from "./router/shared.js";

export const RunFilter = z.object({
  status: z.array(z.enum(RUN_STATUSES)).optional(),
  task: z.array(z.string().max(40)).optional(),
  cell: z.array(z.string().max(40)).optional(),
  tied: z.boolean().optional(),
  tag: z.string().max(RUN_LIMITS.tag).optional(),
  q: z.string().max(200).optional(),
  experimentId: Id.optional(),
});
export type RunFilter = z.output<typeof RunFilter>;

/** Columns the table sorts by; `metric` is each run's main metric (MAIN_METRICS, its task's first logged one). */
export const SORT_KEYS = [
  "createdAt",
  "name",
  "experimentName",
  "status",
  "task",
  "cell",
  "tied",
  "paramCount",
  "step",
  "trainLoss",
  "metric",
  "duration",
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const RunSort = z.object({ by: z.enum(SORT_KEYS).default("createdAt"), dir: z.enum(["asc", "desc"]).default("desc") });
export type RunSort = z.output<typeof RunSort>;

/** Collects positional parameters ($1, $2, ...) as fragments are written. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The WHERE clause (over `"Run" r JOIN "Experiment" e`) for a filter; "TRUE" for none. */
export function runFilterSql(filter: RunFilter, p: Params): string {
  const where: string[] = [];
  if (filter.status?.length) where.push(`r.status = ANY(${p.add(filter.status)}::"RunStatus"[])`);
  if (filter.task?.length) where.push(`r.task = ANY(${p.add(filter.task)}::text[])`);
  if (filter.cell?.length) where.push(`r.cell = ANY(${p.add(filter.cell)}::text[])`);
  if (filter.tied !== undefined) where.push(`r.tied = ${p.add(filter.tied)}::boolean`);
  if (filter.tag) where.push(`r.tags @> ARRAY[${p.add(filter.tag)}::text]`); // the GIN index
  if (filter.experimentId) where.push(`r."experimentId" = ${p.add(filter.experimentId)}`);
  const q = filter.q?.trim();
  if (q) {
    const like = p.add(`%${likeEscape(q)}%`);
    const exact = p.add(q);
    where.push(`(r.name ILIKE ${like} OR r.notes ILIKE ${like} OR e.name ILIKE ${like} OR ${exact} = ANY(r.tags) OR starts_with(r.id, ${exact}))`);
  }
  return where.length ? where.join(" AND ") : "TRUE";
}

/** A number in the run's summary (final metrics, underscore keys), else null. */
const summaryNumber = (p: Params, seriesKey: string) => {
  const k = p.add(summaryKey(seriesKey));
  return `CASE WHEN jsonb_typeof(r.summary -> ${k}::text) = 'number' THEN (r.summary ->> ${k}::text)::float8 END`;
};
/** The series' latest value (the writer keeps it per run and key). */
const latestValue = (p: Params, seriesKey: string) => `(SELECT "lastValue" FROM "MetricSeries" WHERE "runId" = r.id AND key = ${p.add(seriesKey)}::text)`;
/** The summary's value, else the latest logged one (of run `r`): what the table shows. */
export const finalValue = (p: Params, seriesKey: string) => `coalesce(${summaryNumber(p, seriesKey)}, ${latestValue(p, seriesKey)})`;

/** Each task's main metric, the first of its keys that the run has (as run.list's `metric`). */
function mainMetricSql(p: Params): string {
  const cases = Object.keys(MAIN_METRICS).map(
    (task) =>
      `WHEN ${p.add(task)}::text THEN coalesce(${mainMetricKeys(task)
        .map((k) => finalValue(p, k))
        .join(", ")})`,
  );
  return `CASE r.task ${cases.join(" ")} END`;
}

interface SortColumn {
  sql: string;
  /** The SQL type a cursor's text value is cast back to. */
  type: "text" | "timestamptz" | "float8" | "int8" | "boolean";
}

function sortColumn(by: SortKey, p: Params): SortColumn {
  switch (by) {
    case "createdAt":
      return { sql: `r."createdAt"`, type: "timestamptz" };
    case "name":
      return { sql: "r.name", type: "text" };
    case "experimentName":
      return { sql: "e.name", type: "text" };
    case "status":
      return { sql: "r.status::text", type: "text" };
    case "task":
      return { sql: "r.task", type: "text" };
    case "cell":
      return { sql: "r.cell", type: "text" };
    case "tied":
      return { sql: "r.tied", type: "boolean" };
    case "paramCount":
      return { sql: `r."paramCount"::int8`, type: "int8" };
    case "step":
      return { sql: "r.step::int8", type: "int8" };
    case "trainLoss":
      return { sql: finalValue(p, METRIC_KEYS.trainLoss), type: "float8" };
    case "metric":
      return { sql: mainMetricSql(p), type: "float8" };
    case "duration":
      return { sql: `extract(epoch FROM coalesce(r."finishedAt", now()) - r."startedAt")::float8`, type: "float8" };
  }
}

/** Where a page ends: the last row's sort value (as Postgres writes it, exact) and id. */
interface Cursor {
  v: string | null;
  id: string;
}

export const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.v, c.id])).toString("base64url");

export class CursorError extends Error {
  override name = "CursorError";
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const [v, id] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    if ((typeof v === "string" || v === null) && typeof id === "string") return { v, id };
  } catch {
    // falls through
  }
  throw new CursorError("cursor: not one this server handed out; reload the list (a cursor comes from the previous page's nextCursor)");
}

/**
 * Rows strictly after the cursor in ORDER BY value dir NULLS LAST, id dir: the rest of the
 * cursor's value, then the values beyond it, then the nulls.
 */
function afterCursor(col: SortColumn, dir: "asc" | "desc", cursor: Cursor, p: Params): string {
  const cmp = dir === "asc" ? ">" : "<";
  const id = p.add(cursor.id);
  if (cursor.v === null) return `(${col.sql} IS NULL AND r.id ${cmp} ${id})`;
  const v = `${p.add(cursor.v)}::${col.type}`;
  return `(${col.sql} ${cmp} ${v} OR (${col.sql} = ${v} AND r.id ${cmp} ${id}) OR ${col.sql} IS NULL)`;
}

export interface PageQuery {
  sql: string;
  params: unknown[];
}

/** One page of run ids in order, with each one's sort value (text) for the next cursor; limit + 1 rows. */
export function runPageSql(filter: RunFilter, sort: RunSort, limit: number, cursor: string | null | undefined): PageQuery {
  const p = new Params();
  const col = sortColumn(sort.by, p);
  const where = [runFilterSql(filter, p)];
  if (cursor) where.push(afterCursor(col, sort.dir, decodeCursor(cursor), p));
  const dir = sort.dir === "asc" ? "ASC" : "DESC";
  const sql = `SELECT r.id, (${col.sql})::text AS v
                 FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId"
                WHERE ${where.join(" AND ")}
                ORDER BY ${col.sql} ${dir} NULLS LAST, r.id ${dir}
                LIMIT ${p.add(limit + 1)}`;
  return { sql, params: p.values };
}

/** How many runs match. */
export function runCountSql(filter: RunFilter): PageQuery {
  const p = new Params();
  return { sql: `SELECT count(*)::int AS n FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId" WHERE ${runFilterSql(filter, p)}`, params: p.values };
}
