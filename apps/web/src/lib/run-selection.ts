// What the runs page has selected, across pages: runs ticked one by one (kept with their rows, so
// actions need no reload), or every run matching the filter minus the ones unticked, which the
// server resolves (selection.create) instead of the browser listing thousands of ids.

export type RunSelection<Row extends { id: string }> = { mode: "picked"; rows: ReadonlyMap<string, Row> } | { mode: "matching"; except: ReadonlySet<string> };

export const nothingSelected = <Row extends { id: string }>(): RunSelection<Row> => ({ mode: "picked", rows: new Map() });

export function isSelected<Row extends { id: string }>(s: RunSelection<Row>, id: string): boolean {
  return s.mode === "picked" ? s.rows.has(id) : !s.except.has(id);
}

export function toggleRun<Row extends { id: string }>(s: RunSelection<Row>, row: Row): RunSelection<Row> {
  if (s.mode === "picked") {
    const rows = new Map(s.rows);
    if (rows.has(row.id)) rows.delete(row.id);
    else rows.set(row.id, row);
    return { mode: "picked", rows };
  }
  const except = new Set(s.except);
  if (except.has(row.id)) except.delete(row.id);
  else except.add(row.id);
  return { mode: "matching", except };
}

/** How many runs are selected, given how many match the filter. */
export function selectedCount<Row extends { id: string }>(s: RunSelection<Row>, total: number): number {
  return s.mode === "picked" ? s.rows.size : Math.max(0, total - s.except.size);
}
