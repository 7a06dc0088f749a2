// Sweeps: a grid over chosen config fields times a number of seeds, expanded into validated run
// configs before anything is queued (one bad combination rejects the whole sweep). The size is
// checked before the grid is built; data files must be absolute paths to readable files under
// the server's data roots.
import { applyOverrides, type ExperimentConfig } from "@unroll/core/config";
import { resolveDataFiles } from "@unroll/core/data-files";
import { tooManyRuns } from "@unroll/db/run-limits";
import { checkConfig, type ConfigIssue } from "./config-issues.js";
import { InvalidConfigError } from "./errors.js";

export interface SweepAxis {
  /** Dotted config key, e.g. `model.cell`. */
  key: string;
  /** Values as written in `key=value` overrides (`lstm`, `0.5`, `true`). */
  values: string[];
}

export interface SweepSpec {
  grid?: SweepAxis[];
  /** Runs per grid point, with train.seed = base seed, base seed + 1, ... (default 1). */
  seeds?: number;
}

export interface PlannedRun {
  name: string;
  overrides: string[];
  config: ExperimentConfig;
}

/** Cartesian product of the axes, each point a list of overrides. */
function gridPoints(grid: SweepAxis[]): string[][] {
  let points: string[][] = [[]];
  for (const axis of grid) points = points.flatMap((p) => axis.values.map((v) => [...p, `${axis.key}=${v}`]));
  return points;
}

/** A readable run name from its overrides: `char-lstm tied=false seed=2`. */
export function runName(base: string, overrides: string[]): string {
  return overrides.length ? `${base} ${overrides.map((o) => o.replace(/^[^=]*\./, "")).join(" ")}` : base;
}

export interface PlanOptions {
  /** The directories the runs' data files may lie under (the Context's `dataRoots`). */
  dataRoots: readonly string[];
}

/** Validates the base config and every combination; throws InvalidConfigError naming the field. */
export function planSweep(input: unknown, sweep: SweepSpec, { dataRoots }: PlanOptions): PlannedRun[] {
  const base = checkConfig(input);
  if (!base.ok) throw new InvalidConfigError(base.issues);
  const grid = (sweep.grid ?? []).filter((a) => a.key.trim() !== "");
  const issues: ConfigIssue[] = [];
  grid.forEach((axis, i) => {
    if (axis.values.length === 0) issues.push({ path: `sweep.grid.${i}.values`, message: `give at least one value for ${axis.key}` });
    if (axis.key === "train.seed") issues.push({ path: `sweep.grid.${i}.key`, message: "sweep seeds with the seeds count, not a grid axis" });
  });
  const dup = grid.map((a) => a.key).find((k, i, all) => all.indexOf(k) !== i);
  if (dup) issues.push({ path: "sweep.grid", message: `${dup} appears twice in the grid; merge its values into one axis` });
  grid.forEach((axis, i) => {
    const twice = axis.values.find((v, j) => axis.values.indexOf(v) !== j);
    if (twice !== undefined) issues.push({ path: `sweep.grid.${i}.values`, message: `${twice} is given twice for ${axis.key}; give each value once` });
  });
  if (issues.length) throw new InvalidConfigError(issues);

  const seeds = Math.max(1, sweep.seeds ?? 1);
  const count = grid.reduce((n, a) => n * a.values.length, 1) * seeds;
  const many = tooManyRuns(count);
  if (many) throw new InvalidConfigError([{ path: "sweep", message: `${[...grid.map((a) => `${a.values.length} ${a.key}`), `${seeds} seed${seeds > 1 ? "s" : ""}`].join(" x ")}: ${many}` }]);

  const baseName = base.config.name ?? `${base.config.task}-${base.config.model.cell}`;
  const runs: PlannedRun[] = [];
  for (const point of gridPoints(grid)) {
    for (let s = 0; s < seeds; s++) {
      const overrides = seeds > 1 ? [...point, `train.seed=${base.config.train.seed + s}`] : point;
      try {
        runs.push({ name: runName(baseName, overrides), overrides, config: resolveDataFiles(applyOverrides(base.config, overrides), { roots: dataRoots }) });
      } catch (error) {
        const path = (error as { path?: string }).path ?? "";
        const message = (error as Error).message.replace(`${path}: `, "");
        throw new InvalidConfigError([{ path, message: `with ${point.join(", ") || "the base config"}: ${message}` }]);
      }
    }
  }
  return runs;
}

/** Denormalised columns for filtering (task, cell, tying). */
export function runColumns(config: ExperimentConfig): { task: string; cell: string; tied: boolean | null } {
  return { task: config.task, cell: config.model.cell, tied: config.task === "lm" ? config.model.tied : null };
}
