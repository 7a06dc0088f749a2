// `--sweep key=v1,v2` options read into axes, and the sweep they make with `--seeds N`: planned by
// @unroll/domain (grid x seeds, the seed rule), its problems worded for the command line, its size
// checked against RUN_LIMITS before the grid is built.
import { tooManyRuns } from "@unroll/db/run-limits";
import { describeSweepSize, sweepOverrides, sweepProblems, sweepSize, type SweepAxis, type SweepProblem } from "@unroll/domain";

export type { SweepAxis };

/** Parses `model.cell=lstm,gru` into an axis; throws with the expected form on bad input. */
export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw new Error(`--sweep expects key=v1,v2,... (for example --sweep model.cell=lstm,gru), got ${JSON.stringify(text)}`);
  }
  const key = text.slice(0, eq).trim();
  const values = text
    .slice(eq + 1)
    .split(",")
    .map((v) => v.trim());
  const given = values.filter((v) => v !== "");
  if (given.length < values.length)
    throw new Error(`--sweep ${text}: an empty value between commas; remove the extra comma (--sweep ${key}=${given.join(",")})`);
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) throw new Error(`--sweep ${text}: ${twice} is given twice, which would queue the same runs twice; give each value once`);
  return { key, values };
}

function flagProblem(p: SweepProblem): string {
  switch (p.kind) {
    case "seeds":
      return `--seeds must be a positive integer, got ${p.seeds}`;
    case "no-values":
      return `--sweep ${p.key} gives no values; give them as --sweep ${p.key}=v1,v2`;
    case "key-twice":
      return `--sweep names ${p.key} twice; give all its values in one --sweep`;
    case "value-twice":
      return `--sweep ${p.key}: ${p.value} is given twice, which would queue the same runs twice; give each value once`;
    case "seed-axis-with-seeds":
      return "use either --seeds or --sweep train.seed=..., not both";
  }
}

/**
 * Every combination of the axes (as `key=value` overrides), each repeated for `seeds` seeds
 * (`train.seed=base+i`). With no axes and one seed: one run with no overrides.
 */
export function expandSweep(axes: SweepAxis[], seeds: number, baseSeed: number): string[][] {
  const [problem] = sweepProblems(axes, seeds);
  if (problem) throw new Error(flagProblem(problem));
  const many = tooManyRuns(sweepSize(axes, seeds));
  if (many) throw new Error(`--sweep and --seeds ask for ${describeSweepSize(axes, seeds)}: ${many}`);
  return sweepOverrides(axes, seeds, baseSeed);
}
