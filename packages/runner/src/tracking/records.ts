// What a run logs. Every record is idempotent on its natural key, so replays never duplicate.

/** One point of one series: unique on (runId, key, step). */
export interface MetricRecord {
  runId: string;
  key: string;
  step: number;
  value: number;
  wallTime: Date;
}

/** A generated sample: unique on (runId, step, prompt). */
export interface SampleRecord {
  runId: string;
  step: number;
  prompt: string;
  text: string;
  params: Record<string, unknown>;
}

/** What a run measured at a validation (gradient norm through time...): unique on (runId, kind, step). */
export interface DiagnosticRecord {
  runId: string;
  step: number;
  /** @unroll/domain's DIAGNOSTIC_KINDS */
  kind: string;
  data: unknown;
}

/** A checkpoint: the latest one per (runId, kind) is kept. */
export interface CheckpointRecord {
  runId: string;
  step: number;
  kind: "BEST" | "LAST";
  metrics: Record<string, number>;
  format: string;
  data: Uint8Array;
}

/** Where records go: Postgres in production, memory in tests. Each write is idempotent. */
export interface TrackingSink {
  writeMetrics(points: MetricRecord[]): Promise<void>;
  writeSamples(samples: SampleRecord[]): Promise<void>;
  writeDiagnostics(diagnostics: DiagnosticRecord[]): Promise<void>;
  writeCheckpoint(checkpoint: CheckpointRecord): Promise<void>;
}
