// Buffers a run's metrics and writes them in bulk, at least once a second and at the end.
// When the database does not answer, records go to a local spool and are replayed, in order,
// on the next successful flush: nothing lost, nothing duplicated (writes are idempotent).
import type { CheckpointRecord, DiagnosticRecord, MetricRecord, SampleRecord, TrackingSink } from "./records.js";
import type { Spool, SpoolEntry } from "./spool.js";
import { writeEntry } from "./spool.js";

export interface RunLoggerOptions {
  sink: TrackingSink;
  spool: Spool;
  /** Flush at least this often (ms). */
  flushIntervalMs?: number;
  /** Flush early when this many points are buffered. */
  maxBuffered?: number;
  /** Told about every failed write (the run goes on; the records are spooled). */
  onWriteError?: (error: unknown) => void;
  /** Told when writes succeed again after failing: for how long the database was away (ms). */
  onReconnect?: (awayMs: number) => void;
}

export class RunLogger {
  readonly #sink: TrackingSink;
  readonly #spool: Spool;
  readonly #maxBuffered: number;
  readonly #onWriteError: (error: unknown) => void;
  readonly #onReconnect: (awayMs: number) => void;
  /** When the first write of the current outage failed (performance.now()), or undefined. */
  #awaySince: number | undefined;
  #points: MetricRecord[] = [];
  #samples: SampleRecord[] = [];
  #diagnostics: DiagnosticRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** Entries handed to the serial chain and not yet written or spooled. */
  #unconfirmed = new Set<SpoolEntry>();
  #abandoned = false;
  /** Callers waiting on the serial chain: abandon() releases them (each removes itself when its write ends). */
  #waiters = new Set<() => void>();
  /** Whether the last write reached the database. */
  online = true;

  constructor(options: RunLoggerOptions) {
    this.#sink = options.sink;
    this.#spool = options.spool;
    this.#maxBuffered = options.maxBuffered ?? 50_000;
    this.#onWriteError = options.onWriteError ?? (() => {});
    this.#onReconnect = options.onReconnect ?? (() => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.#timer.unref();
  }

  metric(runId: string, key: string, step: number, value: number, wallTime = new Date()): void {
    if (!Number.isFinite(value)) return; // JSON and float8 columns take finite numbers; NaN is reported by the trainer
    this.#points.push({ runId, key, step, value, wallTime });
    if (this.#points.length >= this.#maxBuffered) void this.flush();
  }

  sample(sample: SampleRecord): void {
    this.#samples.push(sample);
  }

  diagnostic(diagnostic: DiagnosticRecord): void {
    this.#diagnostics.push(diagnostic);
  }

  /**
   * Checkpoints are written after every point logged before them, so a stored checkpoint at
   * step S implies the series up to S is stored too: a resumed run has no gap.
   */
  async checkpoint(checkpoint: CheckpointRecord): Promise<void> {
    const entry: SpoolEntry = { kind: "checkpoint", checkpoint };
    await this.flush();
    this.#unconfirmed.add(entry);
    await this.#serial(() => this.#write(entry));
  }

  /** Writes everything buffered; resolves when written or spooled (or abandoned). Never rejects. */
  flush(): Promise<void> {
    const entries: SpoolEntry[] = [];
    if (this.#points.length > 0) entries.push({ kind: "metrics", points: this.#points });
    if (this.#samples.length > 0) entries.push({ kind: "samples", samples: this.#samples });
    if (this.#diagnostics.length > 0) entries.push({ kind: "diagnostics", diagnostics: this.#diagnostics });
    this.#points = [];
    this.#samples = [];
    this.#diagnostics = [];
    for (const e of entries) this.#unconfirmed.add(e);
    return this.#serial(async () => {
      for (const e of entries) await this.#write(e);
    });
  }

  /**
   * Stops waiting for the database: everything not yet written (buffered, queued, in flight) goes
   * to the spool now, later records go only there, and every pending flush, checkpoint and drain
   * resolves at once. For a stop that must end in bounded time; the next worker on this machine
   * replays the spool (writes are idempotent, so a write that lands anyway is harmless).
   * Returns how many entries it spooled.
   */
  async abandon(): Promise<number> {
    if (this.#abandoned) return 0;
    this.#abandoned = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const entries = [...this.#unconfirmed];
    if (this.#points.length > 0) entries.push({ kind: "metrics", points: this.#points });
    if (this.#samples.length > 0) entries.push({ kind: "samples", samples: this.#samples });
    if (this.#diagnostics.length > 0) entries.push({ kind: "diagnostics", diagnostics: this.#diagnostics });
    this.#points = [];
    this.#samples = [];
    this.#diagnostics = [];
    this.#unconfirmed.clear();
    for (const e of entries) await this.#spool.append(e);
    for (const release of this.#waiters) release();
    this.#waiters.clear();
    return entries.length;
  }

  /** Final flush; then one more attempt to drain the spool. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /**
   * Flushes until the spool is empty (the database took everything) or `timeoutMs` passes.
   * Returns whether everything was written; what is left stays in the spool file.
   */
  async drain(timeoutMs: number, retryMs = 500): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.flush();
    while (await this.pending()) {
      if (Date.now() >= deadline || this.#abandoned) return false;
      await new Promise((r) => setTimeout(r, retryMs));
      await this.#serial(async () => {
        try {
          await this.#spool.replay(this.#sink);
          this.online = true;
        } catch (error) {
          this.online = false;
          this.#onWriteError(error);
        }
      });
    }
    return true;
  }

  /** Whether records are still waiting in the spool for the database. */
  async pending(): Promise<boolean> {
    return !(await this.#spool.isEmpty());
  }

  /** Runs writes one at a time, in order; a failure that even the spool could not absorb is reported. */
  #serial(task: () => Promise<void>): Promise<void> {
    const guarded = () => task().catch((error: unknown) => this.#onWriteError(error));
    if (this.#abandoned) return guarded(); // straight to the spool, not behind a write that hangs
    const done = (this.#flushing = this.#flushing.then(guarded));
    return new Promise<void>((release) => {
      this.#waiters.add(release);
      void done.then(() => {
        this.#waiters.delete(release);
        release();
      });
    });
  }

  async #write(entry: SpoolEntry): Promise<void> {
    if (this.#abandoned) {
      // abandon() spooled it already if it was unconfirmed then
      if (this.#unconfirmed.delete(entry)) await this.#spool.append(entry);
      return;
    }
    try {
      // Older records first: replay the spool before writing anything new.
      if (!(await this.#spool.isEmpty())) await this.#spool.replay(this.#sink);
      await writeEntry(this.#sink, entry);
      this.online = true;
      this.#unconfirmed.delete(entry);
      if (this.#awaySince !== undefined) {
        const awayMs = performance.now() - this.#awaySince;
        this.#awaySince = undefined;
        this.#onReconnect(awayMs);
      }
    } catch (error) {
      this.online = false;
      this.#awaySince ??= performance.now();
      this.#onWriteError(error);
      if (this.#unconfirmed.delete(entry)) await this.#spool.append(entry); // else abandon() spooled it meanwhile
    }
  }
}
