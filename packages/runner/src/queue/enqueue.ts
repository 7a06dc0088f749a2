// Queueing validated experiment configs (the SQL is @unroll/db's enqueueRuns).
import type { Pool } from "pg";
import type { ExperimentConfig } from "@unroll/core";
import { enqueueRuns as insertRuns, type EnqueueOptions } from "@unroll/db";
import { runColumns } from "@unroll/domain";

export interface RunSpec {
  name: string;
  config: ExperimentConfig;
  tags?: string[];
}

/** Inserts the runs as QUEUED (one transaction), with task, cell and tying denormalised for filters. */
export function enqueueRuns(pool: Pool, runs: RunSpec[], options: EnqueueOptions): Promise<string[]> {
  return insertRuns(
    pool,
    runs.map((r) => ({ ...r, ...runColumns(r.config) })),
    options,
  );
}
