// A sweep is the grid product of `--sweep key=v1,v2` options, times `--seeds N` seeds; its size
// is checked against RUN_LIMITS before the grid is built.
import { tooManyRuns } from "@unroll/db/run-limits";

export interface SweepAxis {
  key: string;
  values: string[];
}

/** Parses `model.cell=lstm,gru` into an axis; throws with the expected form on bad input. */
export function parseSweepAxis(text: string): SweepAxis {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw new Error(`--sweep expects key=v1,v2,... (for example --sweep model.cell=lstm,gru), got ${JSON.stringify(text)}`);
  }
  const key = text.slice(0, eq).trim();
  const values = text.slice(eq + 1).split(",").map((v) => v.trim());
  const given = values.filter((v) => v !== "");
  if (given.length < values.length) throw new Error(`--sweep ${text}: an empty value between commas; remove the extra comma (--sweep ${key}=${given.join(",")})`);
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) throw new Error(`--sweep ${text}: ${twice} is given twice, which would queue the same runs twice; give each value once`);
  return { key, values };
}

/**
 * Every combination of the axes (as `key=value` overrides), each repeated for `seeds` seeds
 * (`train.seed=base+i`). With no axes and one seed: one run with no overrides.
 */
export function expandSweep(axes: SweepAxis[], seeds: number, baseSeed: number): string[][] {
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a positive integer, got ${seeds}`);
  const keys = new Set<string>();
  for (const a of axes) {
    if (keys.has(a.key)) throw new Error(`--sweep names ${a.key} twice; give all its values in one --sweep`);
    keys.add(a.key);
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1) * seeds;
  const many = tooManyRuns(count);
  if (many) throw new Error(`--sweep and --seeds ask for ${[...axes.map((a) => `${a.values.length} ${a.key}`), `${seeds} seed${seeds > 1 ? "s" : ""}`].join(" x ")}: ${many}`);
  let grid: string[][] = [[]];
  for (const axis of axes) grid = grid.flatMap((combo) => axis.values.map((v) => [...combo, `${axis.key}=${v}`]));
  if (seeds === 1) return grid;
  if (keys.has("train.seed")) throw new Error("use either --seeds or --sweep train.seed=..., not both");
  return grid.flatMap((combo) => Array.from({ length: seeds }, (_, i) => [...combo, `train.seed=${baseSeed + i}`]));
}
