// Queueing validated experiment configs (the SQL is @unroll/db's enqueueRuns).
import type { Pool } from "pg";
import type { ExperimentConfig } from "@unroll/core";
import { enqueueRuns as insertRuns, type EnqueueOptions } from "@unroll/db";

export interface RunSpec {
  name: string;
  config: ExperimentConfig;
  tags?: string[];
}

/** Inserts the runs as QUEUED (one transaction), with task, cell and tying denormalised for filters. */
export function enqueueRuns(pool: Pool, runs: RunSpec[], options: EnqueueOptions): Promise<string[]> {
  return insertRuns(
    pool,
    runs.map((r) => ({ ...r, task: r.config.task, cell: r.config.model.cell, tied: r.config.task === "lm" ? r.config.model.tied : null })),
    options,
  );
}

/** A readable run name from its overrides: `char-lstm tied=false seed=2`. */
export function runName(base: string, overrides: string[]): string {
  if (overrides.length === 0) return base;
  return `${base} ${overrides.map((o) => o.replace(/^[^.=]*\./, "")).join(" ")}`;
}
