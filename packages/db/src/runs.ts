// Queueing and cancelling runs: plain writes that the CLI, the runner and the api all make.
// (Claiming, heartbeats and the sweeper are the runner's protocol: packages/runner/src/queue.)
import type pg from "pg";
import { checkRunInput } from "./run-limits.js";

export interface RunSpec {
  name: string;
  /** The experiment config (validated by the caller with core's schema). */
  config: unknown;
  /** Denormalised from the config for filtering. */
  task?: string;
  cell?: string;
  tied?: boolean | null;
  tags?: string[];
}

export interface EnqueueOptions {
  experiment: string;
  description?: string;
  /** Claims allowed before a crashing run is given up (default: the column's, 3 in schema.prisma; at most RUN_LIMITS.maxAttempts). */
  maxAttempts?: number;
}

/**
 * Inserts the runs as QUEUED under the experiment (created if new), all in one transaction:
 * ids and, unless given, maxAttempts are the columns' defaults (schema.prisma).
 * nothing is half-created. Returns their ids in the order given, which is also the order in
 * which workers claim them. Names, tags, the description, maxAttempts and the number of runs are
 * checked against RUN_LIMITS first (RunInputError, nothing written).
 */
export async function enqueueRuns(pool: pg.Pool, runs: RunSpec[], options: EnqueueOptions): Promise<string[]> {
  checkRunInput(runs, options);
  const maxAttempts = options.maxAttempts === undefined ? "DEFAULT" : "$9";
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows: exp } = await client.query<{ id: string }>(
      `INSERT INTO "Experiment" (name, description) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
       RETURNING id`,
      [options.experiment, options.description ?? ""],
    );
    const experimentId = exp[0]!.id;
    const ids: string[] = [];
    for (const [i, run] of runs.entries()) {
      // The claim takes the oldest run first. now() is the same for the whole transaction and
      // createdAt keeps milliseconds, so each run is 1 ms younger than the one before it.
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO "Run" ("experimentId", name, config, status, task, cell, tied, tags, "createdAt", "maxAttempts")
         VALUES ($1, $2, $3::jsonb, 'QUEUED', $4, $5, $6, $7, now() + $8 * interval '1 millisecond', ${maxAttempts})
         RETURNING id`,
        [
          experimentId,
          run.name,
          JSON.stringify(run.config),
          run.task ?? null,
          run.cell ?? null,
          run.tied ?? null,
          run.tags ?? [],
          i,
          ...(options.maxAttempts === undefined ? [] : [options.maxAttempts]),
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

/**
 * Requests cancellation. A queued (or crashed, waiting) run is cancelled at once; a running one
 * is stopped by its worker within a training step. Returns the status after the call, or
 * undefined when there is no such run.
 */
export async function requestCancel(pool: pg.Pool, runId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>(
    `UPDATE "Run" SET "cancelRequested" = true,
            status = CASE WHEN status IN ('QUEUED', 'CRASHED') THEN 'CANCELLED'::"RunStatus" ELSE status END,
            "finishedAt" = CASE WHEN status IN ('QUEUED', 'CRASHED') THEN now() ELSE "finishedAt" END
      WHERE id = $1 RETURNING status`,
    [runId],
  );
  return rows[0]?.status;
}
