// The TrackingSink of production: bulk metric writes through @unroll/db, idempotent upserts for
// samples, diagnostics and checkpoints.
import type { Pool } from "pg";
import { writeMetricPoints } from "@unroll/db";
import type { CheckpointRecord, DiagnosticRecord, MetricRecord, SampleRecord, TrackingSink } from "./records.js";

export class PostgresSink implements TrackingSink {
  constructor(readonly pool: Pool) {}

  async writeMetrics(points: MetricRecord[]): Promise<void> {
    await writeMetricPoints(this.pool, points);
  }

  async writeSamples(samples: SampleRecord[]): Promise<void> {
    if (samples.length === 0) return;
    await this.pool.query(
      `INSERT INTO "Sample" ("runId", step, prompt, text, params)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT ("runId", step, prompt) DO NOTHING`,
      [
        samples.map((s) => s.runId),
        samples.map((s) => s.step),
        samples.map((s) => s.prompt),
        samples.map((s) => s.text),
        samples.map((s) => JSON.stringify(s.params)),
      ],
    );
  }

  async writeDiagnostics(diagnostics: DiagnosticRecord[]): Promise<void> {
    if (diagnostics.length === 0) return;
    await this.pool.query(
      `INSERT INTO "Diagnostic" ("runId", step, kind, data)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::jsonb[])
       ON CONFLICT ("runId", kind, step) DO NOTHING`,
      [diagnostics.map((d) => d.runId), diagnostics.map((d) => d.step), diagnostics.map((d) => d.kind), diagnostics.map((d) => JSON.stringify(d.data))],
    );
  }

  async writeCheckpoint(c: CheckpointRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO "Checkpoint" ("runId", step, kind, metrics, format, size, data, "updatedAt")
       VALUES ($1, $2, $3::"CheckpointKind", $4::jsonb, $5, $6, $7, now())
       ON CONFLICT ("runId", kind) DO UPDATE
         SET step = EXCLUDED.step, metrics = EXCLUDED.metrics, format = EXCLUDED.format,
             size = EXCLUDED.size, data = EXCLUDED.data, location = NULL, "updatedAt" = now()
         -- never backwards: a spool replayed late (its worker stopped while the database was
         -- away, the run resumed elsewhere meanwhile) must not replace a later checkpoint
         WHERE "Checkpoint".step <= EXCLUDED.step`,
      [c.runId, c.step, c.kind, JSON.stringify(c.metrics), c.format, c.data.byteLength, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength)],
    );
  }
}

/** The LAST checkpoint of a run (to resume it), or BEST/LAST for inference. */
export async function readCheckpoint(pool: Pool, runId: string, kind: "BEST" | "LAST"): Promise<{ step: number; data: Uint8Array } | undefined> {
  const { rows } = await pool.query<{ step: number; data: Buffer | null }>(
    `SELECT step, data FROM "Checkpoint" WHERE "runId" = $1 AND kind = $2::"CheckpointKind"`,
    [runId, kind],
  );
  const row = rows[0];
  if (!row?.data) return undefined;
  return { step: row.step, data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) };
}
