// The states a claimed run moves through, each guarded so that only the worker that owns a
// RUNNING run can change it (a sweeper may have taken it away after a lapsed heartbeat).
import type { Pool } from "pg";

/**
 * Marks the run's heartbeat and stores its promise: the next one comes within `promiseMs` (the
 * sweeper judges by that, so a worker whose steps are long says so instead of being called
 * crashed). Returns whether a cancel was requested, or `lost` if the run is no longer ours.
 */
export async function heartbeat(pool: Pool, runId: string, workerId: string, step: number, promiseMs: number): Promise<"ok" | "cancel" | "lost"> {
  const { rows } = await pool.query<{ cancelRequested: boolean }>(
    `UPDATE "Run" SET "heartbeatAt" = now(), "heartbeatDueAt" = now() + make_interval(secs => $4::float8 / 1000), step = GREATEST(step, $3)
      WHERE id = $1 AND "workerId" = $2 AND status = 'RUNNING'
      RETURNING "cancelRequested"`,
    [runId, workerId, step, promiseMs],
  );
  const row = rows[0];
  if (!row) return "lost";
  return row.cancelRequested ? "cancel" : "ok";
}

export async function markStarted(pool: Pool, runId: string, workerId: string, info: { paramCount: number; backend: string; device: string }): Promise<void> {
  await pool.query(`UPDATE "Run" SET "paramCount" = $3, backend = $4, device = $5 WHERE id = $1 AND "workerId" = $2 AND status = 'RUNNING'`, [
    runId,
    workerId,
    info.paramCount,
    info.backend,
    info.device,
  ]);
}

export type Outcome =
  | { status: "COMPLETED"; summary: Record<string, number>; step: number }
  | { status: "CANCELLED"; summary: Record<string, number>; step: number }
  | { status: "FAILED"; error: string; step: number }
  /** Given back to the queue (worker shutting down): resumes from its last checkpoint. */
  | { status: "QUEUED"; step: number };

/** Records how a run ended. Returns false if the run was no longer ours. */
export async function finishRun(pool: Pool, runId: string, workerId: string, outcome: Outcome): Promise<boolean> {
  const { rowCount } =
    outcome.status === "QUEUED"
      ? await pool.query(
          // Giving back is not an attempt that failed: it does not count against maxAttempts.
          `UPDATE "Run" SET status = 'QUEUED', "workerId" = NULL, attempt = GREATEST(attempt - 1, 0), step = GREATEST(step, $3)
            WHERE id = $1 AND "workerId" = $2 AND status = 'RUNNING'`,
          [runId, workerId, outcome.step],
        )
      : await pool.query(
          `UPDATE "Run" SET status = $3::"RunStatus", "finishedAt" = now(), error = $4, summary = $5::jsonb, step = GREATEST(step, $6)
            WHERE id = $1 AND "workerId" = $2 AND status = 'RUNNING'`,
          [
            runId,
            workerId,
            outcome.status,
            outcome.status === "FAILED" ? outcome.error : null,
            outcome.status === "FAILED" ? null : JSON.stringify(outcome.summary),
            outcome.step,
          ],
        );
  return (rowCount ?? 0) > 0;
}
