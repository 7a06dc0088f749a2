// Claiming work from the queue: one SQL statement, safe with any number of workers on any
// number of machines (anchor: pg-boss fetchNextJob).
import type { Pool } from "pg";

export interface WorkerIdentity {
  id: string;
  host: string;
  backend: string;
  device: string;
}

export interface ClaimedRun {
  id: string;
  experimentId: string;
  name: string;
  config: unknown;
  attempt: number;
  maxAttempts: number;
  /** Claimed before (crashed, or given back by a worker that stopped): it resumes from its LAST checkpoint. */
  resumed: boolean;
}

/** The columns both claims return. */
type ClaimedRow = Omit<ClaimedRun, "resumed">;

/** What a claim writes: the owner ($1-$4 = worker id, host, backend, device), one more attempt. */
const CLAIM_SET = `status = 'RUNNING', "workerId" = $1, host = $2, backend = $3, device = $4,
  attempt = r.attempt + 1, "startedAt" = COALESCE(r."startedAt", now()), "heartbeatAt" = now(), "heartbeatDueAt" = NULL, "finishedAt" = NULL`;

/**
 * Claims the oldest runnable run: QUEUED, or CRASHED with attempts left.
 *
 * `FOR UPDATE SKIP LOCKED` makes concurrent claimers skip rows another transaction is claiming,
 * instead of waiting for it and then finding the row taken: each claim is one round trip and two
 * workers never get the same run. The trade-off: the order is only roughly FIFO under contention
 * (a skipped older row goes to the next claimer), which is fine for a training queue.
 */
export async function claimNextRun(pool: Pool, worker: WorkerIdentity): Promise<ClaimedRun | undefined> {
  const { rows } = await pool.query<ClaimedRow & { previous: string; step: number }>(
    `WITH next AS (
       SELECT id, status AS previous FROM "Run"
       WHERE (status = 'QUEUED' OR (status = 'CRASHED' AND attempt < "maxAttempts"))
         AND NOT "cancelRequested"
       ORDER BY "createdAt", id
       LIMIT 1
       FOR UPDATE SKIP LOCKED
     )
     UPDATE "Run" r SET ${CLAIM_SET}
       FROM next
      WHERE r.id = next.id
     RETURNING r.id, r."experimentId", r.name, r.config, r.attempt, r."maxAttempts", r.step, next.previous`,
    [worker.id, worker.host, worker.backend, worker.device],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    experimentId: row.experimentId,
    name: row.name,
    config: row.config,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    resumed: row.attempt > 1 || row.previous === "CRASHED" || row.step > 0,
  };
}

/** Claims one specific QUEUED run (used by `unroll train`, which trains in its own process). */
export async function claimRun(pool: Pool, worker: WorkerIdentity, runId: string): Promise<ClaimedRun | undefined> {
  const { rows } = await pool.query<ClaimedRow>(
    `UPDATE "Run" r SET ${CLAIM_SET}
      WHERE r.id = $5 AND r.status = 'QUEUED'
      RETURNING r.id, r."experimentId", r.name, r.config, r.attempt, r."maxAttempts"`,
    [worker.id, worker.host, worker.backend, worker.device, runId],
  );
  const row = rows[0];
  return row ? { ...row, resumed: row.attempt > 1 } : undefined;
}

/** Registers a worker process; its id owns the runs it claims. */
export async function registerWorker(pool: Pool, identity: Omit<WorkerIdentity, "id">): Promise<WorkerIdentity> {
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO "Worker" (host, backend, device, pid, status) VALUES ($1, $2, $3, $4, 'IDLE') RETURNING id`, [
    identity.host,
    identity.backend,
    identity.device,
    process.pid,
  ]);
  return { id: rows[0]!.id, ...identity };
}
