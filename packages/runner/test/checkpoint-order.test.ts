// A checkpoint never goes backwards: a spool replayed late (its worker stopped while the database
// was away; the run resumed elsewhere and checkpointed further meanwhile) leaves the later one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { enqueueRuns } from "../src/queue/enqueue.js";
import { PostgresSink, readCheckpoint } from "../src/tracking/postgres-sink.js";
import { tinyConfig } from "./fixtures.js";

const [target] = await testTargets();

describe(`checkpoints on ${target}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target!);
  }, 120_000);
  afterAll(() => t?.close());

  it("a late replay of an older checkpoint does not replace a later one; a later one does", async () => {
    const [id] = await enqueueRuns(t.db.pool, [{ name: "order", config: tinyConfig() }], { experiment: "checkpoint-order" });
    const sink = new PostgresSink(t.db.pool);
    const write = (step: number) =>
      sink.writeCheckpoint({ runId: id!, step, kind: "LAST", metrics: {}, format: "unroll-safetensors-v1", data: new Uint8Array([step]) });
    await write(300);
    await write(100); // the stale spool
    expect(await readCheckpoint(t.db.pool, id!, "LAST")).toMatchObject({ step: 300, data: new Uint8Array([300 % 256]) });
    await write(400);
    expect((await readCheckpoint(t.db.pool, id!, "LAST"))?.step).toBe(400);
  });
});
