import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemorySink } from "./memory-sink.js";
import { RunLogger } from "./run-logger.js";
import { Spool } from "./spool.js";

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), "unroll-spool-"));
  const sink = new MemorySink();
  const spool = new Spool(join(dir, "run.jsonl"));
  const errors: unknown[] = [];
  const logger = new RunLogger({ sink, spool, flushIntervalMs: 60_000, onWriteError: (e) => errors.push(e) });
  return { sink, spool, logger, errors };
}

describe("RunLogger", () => {
  it("writes buffered points in one bulk write per flush", async () => {
    const { sink, logger } = await setup();
    for (let s = 1; s <= 500; s++) logger.metric("r1", "train/loss", s, 1 / s);
    expect(sink.metrics.size).toBe(0);
    await logger.flush();
    expect(sink.metrics.size).toBe(500);
    expect(sink.writes).toBe(1);
    await logger.close();
  });

  it("flushes on its own timer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "unroll-spool-"));
    const sink = new MemorySink();
    const logger = new RunLogger({ sink, spool: new Spool(join(dir, "s.jsonl")), flushIntervalMs: 20 });
    logger.metric("r1", "loss", 1, 0.5);
    await new Promise((r) => setTimeout(r, 80));
    expect(sink.metrics.size).toBe(1);
    await logger.close();
  });

  it("spools while the database is down and replays without loss or duplicates", async () => {
    const { sink, spool, logger, errors } = await setup();
    for (let s = 1; s <= 10; s++) logger.metric("r1", "loss", s, s);
    await logger.flush();
    sink.offline = true;
    for (let s = 11; s <= 20; s++) logger.metric("r1", "loss", s, s);
    logger.sample({ runId: "r1", step: 20, prompt: "", text: "hello", params: { seed: 1 } });
    logger.diagnostic({ runId: "r1", step: 20, kind: "gradNorm", data: { rows: [{ norms: [0.5, 1e-13] }] } });
    await logger.flush();
    await logger.checkpoint({ runId: "r1", step: 20, kind: "LAST", metrics: { loss: 20 }, format: "safetensors", data: new Uint8Array([1, 2, 3]) });
    expect(logger.online).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    expect(await spool.isEmpty()).toBe(false);
    expect(await readFile(spool.file, "utf8")).toContain('"step":15');

    sink.offline = false;
    for (let s = 21; s <= 30; s++) logger.metric("r1", "loss", s, s);
    await logger.close();
    expect(logger.online).toBe(true);
    expect(await spool.isEmpty()).toBe(true);
    const steps = sink.series("r1", "loss").map((p) => p.step);
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(sink.series("r1", "loss")[14]!.wallTime).toBeInstanceOf(Date);
    expect(sink.samples.size).toBe(1);
    expect([...sink.diagnostics.values()].map((d) => d.data)).toEqual([{ rows: [{ norms: [0.5, 1e-13] }] }]); // through the spool's JSON, unchanged
    expect([...sink.checkpoints.values()][0]!.data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("writes checkpoints only after the points logged before them", async () => {
    const { sink, logger } = await setup();
    const order: string[] = [];
    const writeMetrics = sink.writeMetrics.bind(sink);
    const writeCheckpoint = sink.writeCheckpoint.bind(sink);
    sink.writeMetrics = async (p) => (order.push("metrics"), writeMetrics(p));
    sink.writeCheckpoint = async (c) => (order.push("checkpoint"), writeCheckpoint(c));
    logger.metric("r1", "loss", 1, 1);
    await logger.checkpoint({ runId: "r1", step: 1, kind: "LAST", metrics: {}, format: "safetensors", data: new Uint8Array() });
    expect(order).toEqual(["metrics", "checkpoint"]);
    await logger.close();
  });

  it("skips non-finite values instead of failing the bulk write", async () => {
    const { sink, logger, errors } = await setup();
    // As Postgres does (a float8 column in a JSON batch): one non-finite value fails the whole write.
    const write = sink.writeMetrics.bind(sink);
    sink.writeMetrics = async (points) => {
      const bad = points.find((p) => !Number.isFinite(p.value));
      if (bad) throw new Error(`invalid input syntax for type double precision: "${bad.value}"`);
      return write(points);
    };
    logger.metric("r1", "loss", 1, Number.NaN);
    logger.metric("r1", "loss", 2, 2);
    logger.metric("r1", "loss", 3, Number.POSITIVE_INFINITY);
    logger.metric("r1", "loss", 4, Number.NEGATIVE_INFINITY);
    logger.metric("r1", "loss", 5, 5);
    await logger.close();
    expect(errors).toEqual([]);
    expect(sink.series("r1", "loss").map((p) => [p.step, p.value])).toEqual([
      [2, 2],
      [5, 5],
    ]);
  });

  it("abandon(): a write that hangs (a silent database) no longer holds anything up; every record is in the spool", async () => {
    const { sink, spool, logger } = await setup();
    let release = () => {};
    const hang = new Promise<void>((r) => (release = r));
    const write = sink.writeMetrics.bind(sink);
    sink.writeMetrics = async (points) => {
      await hang; // no answer until released
      return write(points);
    };
    for (let s = 1; s <= 5; s++) logger.metric("r1", "loss", s, s);
    const flushed = logger.flush(); // in flight, hanging
    for (let s = 6; s <= 8; s++) logger.metric("r1", "loss", s, s); // still buffered
    const checkpoint = logger.checkpoint({ runId: "r1", step: 8, kind: "LAST", metrics: {}, format: "safetensors", data: new Uint8Array([7]) });
    expect(await logger.abandon()).toBe(2); // the batch in flight, and the one the checkpoint flushed first
    await flushed; // resolve at once, though the write still hangs
    await checkpoint;
    expect(await logger.drain(60_000)).toBe(false);
    // The next worker's replay gets everything, once (writes are idempotent).
    release();
    sink.writeMetrics = write;
    const replay = new MemorySink();
    await spool.replay(replay);
    expect([...replay.metrics.keys()].length).toBe(8);
    expect(replay.checkpoints.size).toBe(1);
  });
});

describe("Spool ownership", () => {
  it("a spool file whose writer still runs is not replayed by another process's worker", async () => {
    const { spawn } = await import("node:child_process");
    const { replaySpoolDir } = await import("./spool.js");
    const { writeFile } = await import("node:fs/promises");
    const dir = await mkdtemp(join(tmpdir(), "unroll-spool-own-"));
    const file = join(dir, "r1.jsonl");
    await new Spool(file).append({ kind: "metrics", points: [{ runId: "r1", key: "loss", step: 1, value: 1, wallTime: new Date() }] });
    const writer = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      await writeFile(`${file}.owner`, String(writer.pid)); // another live process writes it
      const sink = new MemorySink();
      expect(await replaySpoolDir(dir, sink, () => {})).toBe(0);
      expect(sink.metrics.size).toBe(0);
    } finally {
      writer.kill("SIGKILL");
      await new Promise((r) => writer.on("exit", r));
    }
    const sink = new MemorySink();
    expect(await replaySpoolDir(dir, sink, () => {})).toBe(1); // its writer is gone: replayed
    expect(sink.metrics.size).toBe(1);
  });
});
