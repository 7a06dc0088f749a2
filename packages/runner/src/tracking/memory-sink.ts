// An in-memory TrackingSink with the same idempotence as the Postgres one; it can be switched
// offline to simulate an unreachable database. Used by the run logger's tests, and exported for
// embedding a RunLogger without a database.
import type { CheckpointRecord, DiagnosticRecord, MetricRecord, SampleRecord, TrackingSink } from "./records.js";

export class MemorySink implements TrackingSink {
  readonly metrics = new Map<string, MetricRecord>();
  readonly samples = new Map<string, SampleRecord>();
  readonly checkpoints = new Map<string, CheckpointRecord>();
  readonly diagnostics = new Map<string, DiagnosticRecord>();
  offline = false;
  writes = 0;

  #check(): void {
    if (this.offline) throw new Error("connect ECONNREFUSED 127.0.0.1:5432 (simulated)");
    this.writes++;
  }

  async writeMetrics(points: MetricRecord[]): Promise<void> {
    this.#check();
    for (const p of points) {
      const k = `${p.runId}\u0000${p.key}\u0000${p.step}`;
      if (!this.metrics.has(k)) this.metrics.set(k, p);
    }
  }

  async writeSamples(samples: SampleRecord[]): Promise<void> {
    this.#check();
    for (const s of samples) this.samples.set(`${s.runId}\u0000${s.step}\u0000${s.prompt}`, s);
  }

  async writeDiagnostics(diagnostics: DiagnosticRecord[]): Promise<void> {
    this.#check();
    for (const d of diagnostics) this.diagnostics.set(`${d.runId}\u0000${d.kind}\u0000${d.step}`, d);
  }

  async writeCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    this.#check();
    this.checkpoints.set(`${checkpoint.runId}\u0000${checkpoint.kind}`, checkpoint);
  }

  series(runId: string, key: string): MetricRecord[] {
    return [...this.metrics.values()].filter((p) => p.runId === runId && p.key === key).sort((a, b) => a.step - b.step);
  }
}
