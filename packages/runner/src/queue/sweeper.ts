// Finds runs whose worker broke its heartbeat's promise (heartbeatDueAt, or heartbeatAt where a
// run has no promise yet) by more than the grace, and marks them CRASHED. The claim picks a
// CRASHED run up again while it has attempts left, and the new owner resumes it from its LAST
// checkpoint. Time is the database's clock, so workers' clocks need not agree.
import type { Pool } from "pg";

export interface SweepResult {
  id: string;
  attempt: number;
  maxAttempts: number;
}

/** Marks RUNNING runs whose promised heartbeat is more than `lapseMs` overdue as CRASHED. */
export async function sweepLapsedRuns(pool: Pool, lapseMs: number): Promise<SweepResult[]> {
  const { rows } = await pool.query<SweepResult>(
    `UPDATE "Run"
        SET status = 'CRASHED',
            error = format('heartbeat lapsed: the last at %s promised the next by %s (worker %s on %s, attempt %s of %s)%s',
                           "heartbeatAt", COALESCE("heartbeatDueAt", "heartbeatAt"), "workerId", host, attempt, "maxAttempts",
                           CASE WHEN attempt < "maxAttempts" THEN ': queued to resume from its last checkpoint' ELSE ': no attempts left' END),
            "workerId" = NULL,
            "finishedAt" = CASE WHEN attempt < "maxAttempts" THEN NULL ELSE now() END
      WHERE status = 'RUNNING' AND COALESCE("heartbeatDueAt", "heartbeatAt") < now() - make_interval(secs => $1::float8 / 1000)
      RETURNING id, attempt, "maxAttempts"`,
    [lapseMs],
  );
  return rows;
}

/** Marks workers not seen for `lapseMs` as LOST (they are shown in the dashboard). */
export async function sweepLostWorkers(pool: Pool, lapseMs: number): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE "Worker" SET status = 'LOST'
      WHERE status IN ('IDLE', 'BUSY') AND "lastSeenAt" < now() - make_interval(secs => $1::float8 / 1000)`,
    [lapseMs],
  );
  return rowCount ?? 0;
}
