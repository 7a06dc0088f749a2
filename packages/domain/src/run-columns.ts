// The Run columns copied out of a run's config so that the runs table can filter on them.
import type { ExperimentConfig } from "@unroll/core/config";

export interface RunColumns {
  task: string;
  cell: string;
  /** Weight tying, for a language model; null for the tasks that have no output over the vocabulary. */
  tied: boolean | null;
}

export function runColumns(config: Pick<ExperimentConfig, "task" | "model">): RunColumns {
  return { task: config.task, cell: config.model.cell, tied: config.task === "lm" ? config.model.tied : null };
}
