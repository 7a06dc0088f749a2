// Parameter importance for one metric over runs (W&B's parameter importance panel, simply): per
// config key, its correlation with the metric (Pearson for numbers; for categories the
// correlation ratio eta, 0..1, which has no sign), and a model-based score: the share of the
// metric's variance that a one-key model explains (the mean metric per value, numbers cut into
// up to 5 quantile bins), normalised to sum to 1 over the keys. Pure: the router feeds it rows.

export type ParamValue = number | string | boolean | null;

export interface KeyImportance {
  key: string;
  /** Pearson r for numeric keys, eta for categorical ones; null when undefined (no spread, or < 3 runs). */
  correlation: number | null;
  /** Share of variance the key alone explains (R² of its one-key model), normalised over the keys. */
  importance: number | null;
  /** The unnormalised R². */
  r2: number | null;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length < 3) return null;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** R² of predicting y by the mean y of its group (the one-key model). */
export function groupR2(groups: readonly string[], ys: readonly number[]): number | null {
  if (ys.length < 3) return null;
  const my = mean(ys);
  const total = ys.reduce((a, y) => a + (y - my) ** 2, 0);
  if (total === 0) return null;
  const sums = new Map<string, { s: number; n: number }>();
  groups.forEach((g, i) => {
    const e = sums.get(g) ?? { s: 0, n: 0 };
    e.s += ys[i]!;
    e.n += 1;
    sums.set(g, e);
  });
  const residual = ys.reduce((a, y, i) => {
    const e = sums.get(groups[i]!)!;
    return a + (y - e.s / e.n) ** 2;
  }, 0);
  return 1 - residual / total;
}

/** Up to `bins` quantile bins of numbers, as bin labels. */
export function quantileBins(xs: readonly number[], bins = 5): string[] {
  const sorted = [...xs].sort((a, b) => a - b);
  const edges = Array.from({ length: bins - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / bins)]!);
  return xs.map((x) => String(edges.filter((e) => x >= e).length));
}

/** Importance of each key for `metric` (runs without the metric or the key's value are left out per key). */
export function importance(keys: readonly string[], rows: readonly { values: readonly ParamValue[]; metric: number | null }[]): KeyImportance[] {
  const out = keys.map((key, k) => {
    const pairs = rows.filter((r) => r.metric !== null && Number.isFinite(r.metric) && r.values[k] !== null && r.values[k] !== undefined);
    const ys = pairs.map((r) => r.metric!);
    const numeric = pairs.length > 0 && pairs.every((r) => typeof r.values[k] === "number");
    if (numeric) {
      const xs = pairs.map((r) => r.values[k] as number);
      return { key, correlation: pearson(xs, ys), r2: new Set(xs).size > 1 ? groupR2(new Set(xs).size <= 5 ? xs.map(String) : quantileBins(xs), ys) : null };
    }
    const groups = pairs.map((r) => JSON.stringify(r.values[k]));
    const r2 = new Set(groups).size > 1 ? groupR2(groups, ys) : null;
    return { key, correlation: r2 === null ? null : Math.sqrt(Math.max(0, r2)), r2 };
  });
  const sum = out.reduce((a, o) => a + Math.max(0, o.r2 ?? 0), 0);
  return out.map((o) => ({ ...o, importance: o.r2 === null ? null : sum > 0 ? Math.max(0, o.r2) / sum : 0 }));
}
