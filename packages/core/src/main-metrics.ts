// The validation metrics each task is judged by, preferred first (keys of its evaluate() result):
// the best checkpoint, lr decay and early stopping follow the first one a task reports
// (train/selection.ts), and the tracker shows the same (@unroll/domain's MAIN_METRICS, as series
// keys). A language model by perplexity (exp of its loss, so the same best); a tagger by entity F1
// when its tags are IOB2 (NER), else token accuracy (POS); a classifier by accuracy.
// Pure: part of the browser-safe `@unroll/core/config`.

/** A validation metric and which way is better. */
export interface MainMetric {
  /** A key of the task's evaluate() result: "perplexity", "f1", "accuracy". */
  key: string;
  higherIsBetter: boolean;
}

export const MAIN_METRICS = {
  lm: [{ key: "perplexity", higherIsBetter: false }],
  tagger: [
    { key: "f1", higherIsBetter: true },
    { key: "accuracy", higherIsBetter: true },
  ],
  classifier: [
    { key: "accuracy", higherIsBetter: true },
    { key: "macroF1", higherIsBetter: true },
  ],
} as const satisfies Record<"lm" | "tagger" | "classifier", readonly MainMetric[]>;

/** The first of `task`'s main metrics among those its evaluation reports. */
export function judgedBy(task: keyof typeof MAIN_METRICS, reported: readonly string[]): MainMetric {
  const metrics: readonly MainMetric[] = MAIN_METRICS[task];
  return metrics.find((m) => reported.includes(m.key)) ?? metrics[metrics.length - 1]!;
}
