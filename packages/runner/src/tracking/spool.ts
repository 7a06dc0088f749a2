// A local append-only file that holds records while the database is unreachable, replayed in
// order when it answers again. One JSON line per batch; checkpoint bytes as base64.
// Its writer's pid is kept beside it (<file>.owner): another process replays a spool file only
// once that writer is gone, so records it is still appending are never read and then deleted.
import { readFileSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pidAlive } from "@unroll/db";
import type { CheckpointRecord, DiagnosticRecord, MetricRecord, SampleRecord, TrackingSink } from "./records.js";

export type SpoolEntry =
  | { kind: "metrics"; points: MetricRecord[] }
  | { kind: "samples"; samples: SampleRecord[] }
  | { kind: "diagnostics"; diagnostics: DiagnosticRecord[] }
  | { kind: "checkpoint"; checkpoint: CheckpointRecord };

export class Spool {
  #owner = false;

  constructor(readonly file: string) {}

  async append(entry: SpoolEntry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    if (!this.#owner) {
      await writeFile(`${this.file}.owner`, String(process.pid));
      this.#owner = true;
    }
    await appendFile(this.file, JSON.stringify(entry, encode) + "\n");
  }

  async isEmpty(): Promise<boolean> {
    try {
      return (await stat(this.file)).size === 0;
    } catch {
      return true;
    }
  }

  /**
   * Writes every spooled entry to `sink`, in order, then deletes the file. If a write fails the
   * file is left as it is and the error is thrown: the entries already written are written again
   * next time, which is harmless because every write is idempotent.
   */
  async replay(sink: TrackingSink): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch {
      return 0;
    }
    const lines = text.split("\n").filter((l) => l.length > 0);
    for (const line of lines) {
      let entry: SpoolEntry;
      try {
        entry = JSON.parse(line, decode) as SpoolEntry;
      } catch {
        // A torn last line from a process killed mid-append: everything before it is intact.
        continue;
      }
      await writeEntry(sink, entry);
    }
    await rm(this.file, { force: true });
    await rm(`${this.file}.owner`, { force: true });
    this.#owner = false;
    return lines.length;
  }
}

/** One entry to its table. */
export async function writeEntry(sink: TrackingSink, entry: SpoolEntry): Promise<void> {
  if (entry.kind === "metrics") await sink.writeMetrics(entry.points);
  else if (entry.kind === "samples") await sink.writeSamples(entry.samples);
  else if (entry.kind === "diagnostics") await sink.writeDiagnostics(entry.diagnostics);
  else await sink.writeCheckpoint(entry.checkpoint);
}

/** The pid of a live process other than this one that writes `file`, or undefined. */
export function liveSpoolWriter(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(`${file}.owner`, "utf8").trim());
  } catch {
    return undefined; // no owner recorded (a file from before owners were kept): its writer is gone
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return pidAlive(pid) ? pid : undefined;
}

function encode(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("base64") };
  return value;
}

function decode(key: string, value: unknown): unknown {
  if (value && typeof value === "object" && "$bytes" in value) {
    return new Uint8Array(Buffer.from((value as { $bytes: string }).$bytes, "base64"));
  }
  if (key === "wallTime" && typeof value === "string") return new Date(value);
  return value;
}

/**
 * Replays every spool file left in `dir` by a process that is gone (a worker that stopped while
 * the database was away) and returns how many entries were written. Files whose writer still
 * runs, and files that still cannot be written, stay.
 */
export async function replaySpoolDir(dir: string, sink: TrackingSink, onError: (file: string, error: unknown) => void): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".jsonl"));
  } catch {
    return 0;
  }
  let total = 0;
  for (const name of names) {
    if (liveSpoolWriter(join(dir, name)) !== undefined) continue; // still being written: its writer replays it
    try {
      total += await new Spool(join(dir, name)).replay(sink);
    } catch (error) {
      onError(name, error);
    }
  }
  return total;
}
