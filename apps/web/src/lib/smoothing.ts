// Exponential moving average, debiased as TensorBoard does: the running average starts at 0, so
// early values are divided by (1 - w^n) to undo the pull towards 0. Gaps (null) are kept as gaps.
export function emaDebiased(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return [...values];
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    n += 1;
    last = last * w + (1 - w) * v;
    return last / (1 - w ** n);
  });
}

export type XAxisKind = "step" | "epoch" | "tokens" | "wall";

export interface SeriesLike {
  steps: number[];
  values: (number | null)[];
  wallTimes: number[];
  epochs?: (number | null)[];
  tokens?: (number | null)[];
}

/** Chart points for one series on the chosen x-axis (wall: seconds since the series' first point). */
export function toPoints(s: SeriesLike, x: XAxisKind, smoothing: number, logY: boolean): { x: number; y: number | null; raw: number | null }[] {
  const smooth = emaDebiased(s.values, smoothing);
  const t0 = s.wallTimes[0] ?? 0;
  const out: { x: number; y: number | null; raw: number | null }[] = [];
  s.steps.forEach((step, i) => {
    const xv = x === "step" ? step : x === "epoch" ? (s.epochs?.[i] ?? null) : x === "tokens" ? (s.tokens?.[i] ?? null) : ((s.wallTimes[i] ?? t0) - t0) / 1000;
    if (xv === null) return;
    const ok = (v: number | null) => (v === null || (logY && v <= 0) ? null : v);
    out.push({ x: xv, y: ok(smooth[i] ?? null), raw: ok(s.values[i] ?? null) });
  });
  return out;
}
