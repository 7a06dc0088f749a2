// A local append-only file that holds records while the database is unreachable, replayed in
// order when it answers again. One JSON line per batch; checkpoint bytes as base64.
import { appendFile, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CheckpointRecord, MetricRecord, SampleRecord, TrackingSink } from "./records.js";

type Entry =
  | { kind: "metrics"; points: MetricRecord[] }
  | { kind: "samples"; samples: SampleRecord[] }
  | { kind: "checkpoint"; checkpoint: CheckpointRecord };

export class Spool {
  constructor(readonly file: string) {}

  async append(entry: Entry): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
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
      let entry: Entry;
      try {
        entry = JSON.parse(line, decode) as Entry;
      } catch {
        // A torn last line from a process killed mid-append: everything before it is intact.
        continue;
      }
      if (entry.kind === "metrics") await sink.writeMetrics(entry.points);
      else if (entry.kind === "samples") await sink.writeSamples(entry.samples);
      else await sink.writeCheckpoint(entry.checkpoint);
    }
    await rm(this.file, { force: true });
    return lines.length;
  }
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
 * Replays every spool file left in `dir` (by a worker that stopped while the database was away)
 * and returns how many entries were written. Files that still cannot be written stay.
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
    try {
      total += await new Spool(join(dir, name)).replay(sink);
    } catch (error) {
      onError(name, error);
    }
  }
  return total;
}
