// Heatmaps of per-position diagnostics (issue 15): the stored documents of a run turned into a
// matrix (rows: positions, columns: evaluation steps), and a colour per value (log or linear scale).

/** One state row of a stored gradNorm document (core's StateGradNorms). */
export interface GradRow {
  layer: number;
  direction: "forward" | "backward";
  state: "h" | "c";
  norms: number[];
  initial: number;
}

export interface GradDoc {
  positions: number;
  batch: number;
  rows: GradRow[];
}

/** "layer 0 h", "layer 1 backward c": how a row is named in the picker and the tests. */
export function rowLabel(r: Pick<GradRow, "layer" | "direction" | "state">): string {
  return `layer ${r.layer}${r.direction === "backward" ? " backward" : ""} ${r.state}`;
}

export interface Matrix {
  /** Column headers: the evaluation steps. */
  steps: number[];
  /** Rows: positions 0 .. T-1 (the longest window seen; shorter ones leave null). */
  positions: number;
  /** values[position][column] */
  values: (number | null)[][];
}

/** Row `label` of every document (columns in step order); documents without that row give null columns. */
export function gradNormMatrix(points: { step: number; data: GradDoc }[], label: string): Matrix {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const cols = sorted.map((p) => p.data.rows.find((r) => rowLabel(r) === label)?.norms ?? []);
  const positions = Math.max(0, ...cols.map((c) => c.length));
  const values = Array.from({ length: positions }, (_, t) => cols.map((c) => c[t] ?? null));
  return { steps: sorted.map((p) => p.step), positions, values };
}

/** A stored lossByPosition document (core's LossByPosition). */
export interface LossDoc {
  basis: "window" | "sentence";
  loss: number[];
  count: number[];
}

/** Positions on rows, steps (sorted) on columns. */
export function lossMatrix(points: { step: number; data: LossDoc }[]): Matrix {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const positions = Math.max(0, ...sorted.map((p) => p.data.loss.length));
  const values = Array.from({ length: positions }, (_, t) => sorted.map((p) => p.data.loss[t] ?? null));
  return { steps: sorted.map((p) => p.step), positions, values };
}

/** The finite range of the values (undefined when there is none). */
export function linearRange(values: (number | null)[][]): { min: number; max: number } | undefined {
  const finite = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  return finite.length ? { min: Math.min(...finite), max: Math.max(...finite) } : undefined;
}

/** The finite positive range of log10 values (undefined when there is none). */
export function logRange(values: (number | null)[][]): { min: number; max: number } | undefined {
  let min = Infinity,
    max = -Infinity;
  for (const row of values)
    for (const v of row) {
      if (v === null || !(v > 0) || !Number.isFinite(v)) continue;
      const l = Math.log10(v);
      if (l < min) min = l;
      if (l > max) max = l;
    }
  return min <= max ? { min, max } : undefined;
}

// viridis at 0, 0.25, 0.5, 0.75, 1 (matplotlib's), interpolated linearly
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** The colour of v over `range` (of log10 values when `log`); gaps, and zeros on a log scale, are pale grey. */
export function heatColor(v: number | null, range: { min: number; max: number } | undefined, log = true): string {
  if (v === null || !Number.isFinite(v) || (log && !(v > 0)) || !range) return "#eef0f3";
  const span = range.max - range.min;
  const x = span > 0 ? ((log ? Math.log10(v) : v) - range.min) / span : 1;
  const f = Math.min(Math.max(x, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(f), STOPS.length - 2);
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  const mix = (k: 0 | 1 | 2) => Math.round(a[k] + (b[k] - a[k]) * (f - i));
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** A unit's value on a diverging scale: blue at -max, white at 0, red at +max (states, gates in [0, 1] too). */
export function divergingColor(v: number | null, max: number): string {
  if (v === null || !Number.isFinite(v) || !(max > 0)) return "#eef0f3";
  const x = Math.max(-1, Math.min(1, v / max));
  const [r, g, b] = x < 0 ? [37, 99, 235] : [220, 38, 38];
  const mix = (c: number) => Math.round(255 + (c - 255) * Math.abs(x));
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/** Largest |value| of a trace (the scale of its colours): 1 for h, gates and candidates, c's own. */
export function traceScale(name: string, values: number[][]): number {
  if (name !== "c") return 1;
  return Math.max(1e-6, ...values.flat().map(Math.abs));
}

/**
 * LSTMVis's select-and-match (Strobelt et al. 2016): the units whose activation follows a pattern
 * of marked tokens, by mean activation on the marked tokens minus the mean on the others, highest
 * first (`values[unit][token]`). Nothing or everything marked: no ranking.
 */
export function unitsLike(values: number[][], marked: ReadonlySet<number>, k = 5): { unit: number; score: number }[] {
  const T = values[0]?.length ?? 0;
  const on = [...marked].filter((t) => t >= 0 && t < T);
  if (on.length === 0 || on.length === T) return [];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return values
    .map((row, unit) => ({ unit, score: mean(on.map((t) => row[t]!)) - mean(row.filter((_, t) => !marked.has(t))) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
