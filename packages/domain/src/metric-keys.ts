// Metric series keys (`split/name`, as the runner logs them and MetricSeries stores them) and the
// one metric a run of each task is judged by. A run's summary stores the same keys with `_` for
// `/` (valid_perplexity).
import { MAIN_METRICS as TASK_METRICS } from "@unroll/core/config";

export const METRIC_KEYS = {
  trainLoss: "train/loss",
  trainLr: "train/lr",
  trainTokensPerSecond: "train/tokens_per_second",
  /** Tokens seen so far and the epoch (fractional), logged at every step: the x axes besides steps. */
  trainTokens: "train/tokens",
  trainEpoch: "train/epoch",
  validLoss: "valid/loss",
  validPerplexity: "valid/perplexity",
  testPerplexity: "test/perplexity",
  validAccuracy: "valid/accuracy",
  validF1: "valid/f1",
  validMacroF1: "valid/macroF1",
} as const;

/** What a tagger's report (NER) gives per entity type, as series `split/metric/TYPE` (summary: `test_f1/PER`). */
export const ENTITY_TYPE_METRICS = ["precision", "recall", "f1"] as const;
export type EntityTypeMetric = (typeof ENTITY_TYPE_METRICS)[number];

/** The series key of one entity type's score: `test/f1/PER` (its summary key: `test_f1/PER`). */
export function entityTypeKey(split: "valid" | "test", metric: EntityTypeMetric, type: string): string {
  return `${split}/${metric}/${type}`;
}

/** Series of the worker's process (`sys/cpu_percent`, ...), shown in the run page's System panel. */
export const SYSTEM_PREFIX = "sys/";

/** Seconds the database was away, logged by the worker at the step where writes succeeded again. */
export const DB_UNREACHABLE_KEY = `${SYSTEM_PREFIX}db_unreachable_seconds`;

type Task = keyof typeof TASK_METRICS;

/**
 * The validation series a run of each task is judged by, preferred first: core's MAIN_METRICS
 * (what the trainer keeps the best checkpoint by) as `valid/<metric>` keys. NER has entity F1,
 * POS only accuracy.
 */
export const MAIN_METRICS: Readonly<Record<Task, readonly string[]>> = {
  lm: validSeries("lm"),
  tagger: validSeries("tagger"),
  classifier: validSeries("classifier"),
};

function validSeries(task: Task): string[] {
  return TASK_METRICS[task].map((m) => `valid/${m.key}`);
}

/** Every task's main metrics, once each, in task order. */
export const ALL_MAIN_METRICS: readonly string[] = [...new Set(Object.values(MAIN_METRICS).flat())];

/** The main metric keys for a run's task (none for an unknown task). */
export function mainMetricKeys(task: string | null | undefined): string[] {
  return task && Object.hasOwn(MAIN_METRICS, task) ? [...MAIN_METRICS[task as keyof typeof MAIN_METRICS]] : [];
}

/** The key a run's summary stores a series' final value under: `valid/perplexity` -> `valid_perplexity`. */
export function summaryKey(seriesKey: string): string {
  return seriesKey.replace("/", "_");
}
