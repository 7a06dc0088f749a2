// A worker process's row in "Worker": seen every interval (IDLE or BUSY) while it lives, STOPPED
// when it ends, so the dashboard tells a live worker from a finished one and from a lost one (the
// sweeper marks rows not seen for a while LOST). Used by `unroll worker` and by `unroll train`.
import type { Pool } from "pg";

export interface Presence {
  /** Stops the updates and marks the worker STOPPED, waiting at most 2 s (a database that is away leaves it to the sweeper). */
  stop(): Promise<void>;
}

export function startPresence(pool: Pool, workerId: string, intervalMs: number, busy: () => boolean, onError: (error: unknown) => void): Presence {
  const timer = setInterval(() => {
    pool.query(`UPDATE "Worker" SET "lastSeenAt" = now(), status = $2 WHERE id = $1`, [workerId, busy() ? "BUSY" : "IDLE"]).catch(onError);
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      const marked = pool.query(`UPDATE "Worker" SET status = 'STOPPED', "lastSeenAt" = now() WHERE id = $1`, [workerId]).then(() => undefined, onError);
      await Promise.race([marked, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}
