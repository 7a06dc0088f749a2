// Sweep planning, the same for `unroll enqueue --sweep ... --seeds N` and the api's launch: the
// grid product of the axes (each a config key and the values it takes, as in `key=value`
// overrides), each point run once per seed.
//
// The seed rule: with seeds = N > 1 the runs of a point get train.seed = s, s + 1, ..., s + N - 1
// (s: the base config's seed) and their names end in `seed=...`; with one seed the base config's
// seed is kept as it is. A train.seed axis lists the seeds by hand, so it goes with one seed only.
// The size limit (RUN_LIMITS) is the caller's: check `sweepSize` before expanding.
import { baseRunName, runName, type RunNameBase } from "./run-names.js";

export interface SweepAxis {
  /** Dotted config key, e.g. `model.cell`. */
  key: string;
  /** Values as written in `key=value` overrides (`lstm`, `0.5`, `true`). */
  values: string[];
}

export const SEED_KEY = "train.seed";

/** What is wrong with a grid itself; each caller words it for its own surface (flags or fields). */
export type SweepProblem =
  | { kind: "seeds"; seeds: number }
  | { kind: "no-values"; axis: number; key: string }
  | { kind: "key-twice"; axis: number; key: string }
  | { kind: "value-twice"; axis: number; key: string; value: string }
  | { kind: "seed-axis-with-seeds"; axis: number; seeds: number };

/** Every problem of the grid and seed count, in axis order (none: it can be expanded). */
export function sweepProblems(grid: readonly SweepAxis[], seeds: number): SweepProblem[] {
  const problems: SweepProblem[] = [];
  if (!Number.isInteger(seeds) || seeds < 1) problems.push({ kind: "seeds", seeds });
  grid.forEach((axis, i) => {
    if (axis.values.length === 0) problems.push({ kind: "no-values", axis: i, key: axis.key });
    if (grid.findIndex((a) => a.key === axis.key) < i) problems.push({ kind: "key-twice", axis: i, key: axis.key });
    const twice = axis.values.find((v, j) => axis.values.indexOf(v) !== j);
    if (twice !== undefined) problems.push({ kind: "value-twice", axis: i, key: axis.key, value: twice });
    if (axis.key === SEED_KEY && seeds > 1) problems.push({ kind: "seed-axis-with-seeds", axis: i, seeds });
  });
  return problems;
}

/** How many runs the sweep queues. */
export function sweepSize(grid: readonly SweepAxis[], seeds: number): number {
  return grid.reduce((n, a) => n * a.values.length, 1) * seeds;
}

/** The sweep's shape for messages: `50 train.lr x 20 train.clip x 2 seeds`. */
export function describeSweepSize(grid: readonly SweepAxis[], seeds: number): string {
  return [...grid.map((a) => `${a.values.length} ${a.key}`), `${seeds} seed${seeds > 1 ? "s" : ""}`].join(" x ");
}

/**
 * The overrides of every run, grid point by grid point (the first axis varies slowest), each
 * point's seeds together. With no axes and one seed: one run with no overrides.
 */
export function sweepOverrides(grid: readonly SweepAxis[], seeds: number, baseSeed: number): string[][] {
  let points: string[][] = [[]];
  for (const axis of grid) points = points.flatMap((p) => axis.values.map((v) => [...p, `${axis.key}=${v}`]));
  if (seeds <= 1) return points;
  return points.flatMap((p) => Array.from({ length: seeds }, (_, s) => [...p, `${SEED_KEY}=${baseSeed + s}`]));
}

/** A planned run: its name and the overrides that make its config from the base config. */
export interface SweepRun {
  name: string;
  overrides: string[];
}

/** The sweep's runs, named from the base config (see `runName`). Check `sweepProblems` first. */
export function sweepRuns(base: RunNameBase & { train: { seed: number } }, grid: readonly SweepAxis[], seeds: number): SweepRun[] {
  const baseName = baseRunName(base);
  return sweepOverrides(grid, seeds, base.train.seed).map((overrides) => ({ name: runName(baseName, overrides), overrides }));
}
