// Sweeps: a grid over chosen config fields times a number of seeds, expanded into validated run
// configs before anything is queued (one bad combination rejects the whole sweep). The size is
// checked before the grid is built; data files must be absolute paths to readable files under
// the server's data roots.
import { applyOverrides, type ExperimentConfig } from "@unroll/core/config";
import { resolveDataFiles } from "@unroll/core/data-files";
import { tooManyRuns } from "@unroll/db/run-limits";
import { checkConfig, describeSweepSize, sweepProblems, sweepRuns, sweepSize, type ConfigIssue, type SweepAxis, type SweepProblem } from "@unroll/domain";
import { InvalidConfigError } from "./errors.js";

export type { SweepAxis };

export interface SweepSpec {
  grid?: SweepAxis[];
  /** Runs per grid point, with train.seed = base seed, base seed + 1, ... (default 1; the seed rule is @unroll/domain's). */
  seeds?: number;
}

export interface PlannedRun {
  name: string;
  overrides: string[];
  config: ExperimentConfig;
}

/** A problem of the grid, at the input field it comes from. */
function fieldIssue(p: SweepProblem): ConfigIssue {
  switch (p.kind) {
    case "seeds":
      return { path: "sweep.seeds", message: `give a whole number of seeds, at least 1; got ${p.seeds}` };
    case "no-values":
      return { path: `sweep.grid.${p.axis}.values`, message: `give at least one value for ${p.key}` };
    case "key-twice":
      return { path: "sweep.grid", message: `${p.key} appears twice in the grid; merge its values into one axis` };
    case "value-twice":
      return { path: `sweep.grid.${p.axis}.values`, message: `${p.value} is given twice for ${p.key}; give each value once` };
    case "seed-axis-with-seeds":
      return {
        path: `sweep.grid.${p.axis}.key`,
        message: `train.seed is swept by the seeds count (${p.seeds}) already: list the seeds as a train.seed axis with 1 seed, or give the count, not both`,
      };
  }
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
  const seeds = sweep.seeds ?? 1;
  const issues = sweepProblems(grid, seeds).map(fieldIssue);
  if (issues.length) throw new InvalidConfigError(issues);
  const many = tooManyRuns(sweepSize(grid, seeds));
  if (many) throw new InvalidConfigError([{ path: "sweep", message: `${describeSweepSize(grid, seeds)}: ${many}` }]);

  const runs: PlannedRun[] = [];
  for (const { name, overrides } of sweepRuns(base.config, grid, seeds)) {
    try {
      runs.push({ name, overrides, config: resolveDataFiles(applyOverrides(base.config, overrides), { roots: dataRoots }) });
    } catch (error) {
      const path = (error as { path?: string }).path ?? "";
      const message = (error as Error).message.replace(`${path}: `, "");
      throw new InvalidConfigError([{ path, message: `with ${overrides.join(", ") || "the base config"}: ${message}` }]);
    }
  }
  return runs;
}
