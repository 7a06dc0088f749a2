// Tied vs untied (Press & Wolf 2017; Inan et al. 2016): group an experiment's language-model
// runs by weight tying, and summarise each side over seeds (mean and spread), with the saving
// in parameters. Pure: the router feeds it rows.
import { METRIC_KEYS, summaryKey } from "@unroll/domain";
import { flattenConfig } from "./router/compare.js";

export interface TyingRunInput {
  id: string;
  name: string;
  status: string;
  tied: boolean | null;
  paramCount: number | null;
  config: unknown;
  /** Run.summary (final metrics, underscore keys), when the run finished. */
  summary: Record<string, number> | null;
  /** Latest logged values by series key, for runs still going. */
  latest: Record<string, number>;
}

export interface Stat {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single run. */
  std: number;
  min: number;
  max: number;
}

export interface TyingSide {
  tied: boolean;
  runIds: string[];
  completed: number;
  seeds: number[];
  paramCount: number | null;
  validPerplexity: Stat | null;
  testPerplexity: Stat | null;
  trainLoss: Stat | null;
}

export interface TyingSummary {
  sides: TyingSide[];
  /** Parameters tying saves: untied - tied, and as a fraction of untied. */
  saving: { params: number; fraction: number } | null;
  /** Config keys (besides model.tied and train.seed) whose values differ between runs: not a clean comparison. */
  confounders: string[];
  /** Seeds run both ways. */
  pairedSeeds: number[];
}

export function stat(values: readonly number[]): Stat | null {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

/** A finished run's summary value, else the latest logged one. */
function finalValue(run: TyingRunInput, key: string): number | undefined {
  return run.summary?.[summaryKey(key)] ?? run.latest[key];
}

function seedOf(config: unknown): number | undefined {
  const seed = flattenConfig(config).get("train.seed");
  return typeof seed === "number" ? seed : undefined;
}

export function summarizeTying(runs: readonly TyingRunInput[]): TyingSummary {
  const lm = runs.filter((r) => r.tied !== null);
  const sides: TyingSide[] = [true, false].map((tied) => {
    const group = lm.filter((r) => r.tied === tied);
    const params = group.map((r) => r.paramCount).filter((p): p is number => p !== null);
    return {
      tied,
      runIds: group.map((r) => r.id),
      completed: group.filter((r) => r.status === "COMPLETED").length,
      seeds: [...new Set(group.map((r) => seedOf(r.config)).filter((s): s is number => s !== undefined))].sort((a, b) => a - b),
      paramCount: params.length ? Math.round(params.reduce((a, b) => a + b, 0) / params.length) : null,
      validPerplexity: stat(group.map((r) => finalValue(r, METRIC_KEYS.validPerplexity)).filter((v): v is number => v !== undefined)),
      testPerplexity: stat(group.map((r) => finalValue(r, METRIC_KEYS.testPerplexity)).filter((v): v is number => v !== undefined)),
      trainLoss: stat(group.map((r) => finalValue(r, METRIC_KEYS.trainLoss)).filter((v): v is number => v !== undefined)),
    };
  });
  const [tied, untied] = sides as [TyingSide, TyingSide];
  const saving =
    tied.paramCount !== null && untied.paramCount !== null && untied.paramCount > 0
      ? { params: untied.paramCount - tied.paramCount, fraction: (untied.paramCount - tied.paramCount) / untied.paramCount }
      : null;

  const flat = lm.map((r) => flattenConfig(r.config));
  const keys = new Set(flat.flatMap((f) => [...f.keys()]));
  const ignored = new Set(["model.tied", "train.seed", "name"]);
  const confounders = [...keys].filter((k) => !ignored.has(k) && new Set(flat.map((f) => JSON.stringify(f.get(k)))).size > 1);
  const pairedSeeds = tied.seeds.filter((s) => untied.seeds.includes(s));
  return { sides, saving, confounders, pairedSeeds };
}
