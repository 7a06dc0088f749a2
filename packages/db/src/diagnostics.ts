// Reading a run's diagnostics (the Diagnostic table: one JSON document per kind and validation,
// written by the runner's PostgresSink). The api, the CLI and the dashboard read them here.
import type { Queryable } from "./metrics.js";

export type DiagnosticRow<T = unknown> = {
  step: number;
  data: T;
};

/** Every stored document of one kind for a run, in step order (at most `limit`, the latest ones). */
export async function readDiagnostics<T = unknown>(db: Queryable, runId: string, kind: string, limit = 1000): Promise<DiagnosticRow<T>[]> {
  const { rows } = await db.query<DiagnosticRow<T>>(
    `SELECT step, data FROM (SELECT step, data FROM "Diagnostic" WHERE "runId" = $1 AND kind = $2 ORDER BY step DESC LIMIT $3) d ORDER BY step`,
    [runId, kind, limit],
  );
  return rows;
}

/** The latest stored document of each kind for a run (kinds without one are absent). */
export async function latestDiagnostics(db: Queryable, runId: string): Promise<Map<string, DiagnosticRow>> {
  const { rows } = await db.query<DiagnosticRow & { kind: string }>(
    `SELECT DISTINCT ON (kind) kind, step, data FROM "Diagnostic" WHERE "runId" = $1 ORDER BY kind, step DESC`,
    [runId],
  );
  return new Map(rows.map(({ kind, ...r }) => [kind, r]));
}
