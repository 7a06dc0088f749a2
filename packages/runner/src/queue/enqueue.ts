// Queues runs. Every config is validated before anything is written, and all runs of one call
// are inserted in one transaction: a bad sweep member leaves nothing half-created.
import type { Pool } from "pg";
import type { ExperimentConfig } from "@unroll/core";

export interface RunSpec {
  name: string;
  config: ExperimentConfig;
  tags?: string[];
}

export interface EnqueueOptions {
  experiment: string;
  description?: string;
  /** Claims allowed before a crashing run is given up (default 3). */
  maxAttempts?: number;
}

/** Inserts the runs as QUEUED under the experiment (created if new); returns their ids in order. */
export async function enqueueRuns(pool: Pool, runs: RunSpec[], options: EnqueueOptions): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows: exp } = await client.query<{ id: string }>(
      `INSERT INTO "Experiment" (id, name, description) VALUES (gen_random_uuid()::text, $1, $2)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
       RETURNING id`,
      [options.experiment, options.description ?? ""],
    );
    const experimentId = exp[0]!.id;
    const ids: string[] = [];
    for (const [i, run] of runs.entries()) {
      // The claim takes the oldest run first. now() is the same for the whole transaction and
      // createdAt keeps milliseconds, so each run of a sweep is 1 ms younger than the one before:
      // they run in the order given.
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO "Run" (id, "experimentId", name, config, status, "maxAttempts", task, cell, tied, tags, "createdAt")
         VALUES (gen_random_uuid()::text, $1, $2, $3::jsonb, 'QUEUED', $4, $5, $6, $7, $8, now() + $9 * interval '1 millisecond')
         RETURNING id`,
        [
          experimentId,
          run.name,
          JSON.stringify(run.config),
          options.maxAttempts ?? 3,
          run.config.task,
          run.config.model.cell,
          run.config.task === "lm" ? run.config.model.tied : null,
          run.tags ?? [],
          i,
        ],
      );
      ids.push(rows[0]!.id);
    }
    await client.query("COMMIT");
    return ids;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** A readable run name from its overrides: `lstm tied=false seed=2`. */
export function runName(base: string, overrides: string[]): string {
  if (overrides.length === 0) return base;
  return `${base} ${overrides.map((o) => o.replace(/^[^.=]*\./, "")).join(" ")}`;
}
