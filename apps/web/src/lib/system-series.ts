// The run page's System panel: last value and maximum of each sys/* series, and the database
// outages the worker recorded (sys/db_unreachable_seconds: one point, in seconds, each time writes
// succeeded again after failing).
import { DB_UNREACHABLE_KEY, SYSTEM_PREFIX } from "@unroll/domain";

export interface SeriesLike {
  key: string;
  steps: number[];
  values: (number | null)[];
}

export interface SystemRow {
  name: string;
  last: number | undefined;
  max: number | undefined;
}

export interface Outages {
  count: number;
  longestSeconds: number;
  lastStep: number | undefined;
}

export function summarizeSystem(series: SeriesLike[]): { rows: SystemRow[]; outages: Outages | undefined } {
  const rows: SystemRow[] = [];
  let outages: Outages | undefined;
  for (const s of series) {
    if (!s.key.startsWith(SYSTEM_PREFIX)) continue;
    const values = s.values.filter((v): v is number => v !== null);
    const max = values.length ? Math.max(...values) : undefined;
    rows.push({ name: s.key.slice(SYSTEM_PREFIX.length), last: values.at(-1), max });
    if (s.key === DB_UNREACHABLE_KEY && values.length) outages = { count: values.length, longestSeconds: max ?? 0, lastStep: s.steps.at(-1) };
  }
  return { rows, outages };
}
