// model.init = run:ID on both targets: a worker starts a run from another tracked run's best
// checkpoint, read from the database (no file on the worker's machine), and a reference to no
// run fails the run with what to do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCheckpoint, initBackend, parseExperimentConfig } from "@unroll/core";
import { readDiagnostics } from "@unroll/db";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { DIAGNOSTIC_KINDS, type StartNotesDoc } from "@unroll/domain";
import { enqueueRuns } from "../src/queue/enqueue.js";
import { readCheckpoint } from "../src/tracking/postgres-sink.js";
import { runWorker } from "../src/worker.js";
import { SPOOL_DIR, tinyConfig } from "./fixtures.js";

const targets = await testTargets();
beforeAll(async () => {
  await initBackend({ backend: "cpu" });
});

describe.each(targets)("model.init=run:ID on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  }, 120_000);
  afterAll(() => t?.close());

  const drain = () =>
    runWorker({
      pool: t.db.pool,
      backend: { name: "cpu", device: "test" },
      once: true,
      spoolDir: SPOOL_DIR,
      signal: new AbortController().signal,
      heartbeatMs: 200,
      pollMs: 50,
    });
  const withInit = (init: string) => {
    const c = tinyConfig({ maxSteps: 1, lr: 1e-9, clip: 1e-9 }, "warm");
    return parseExperimentConfig({ ...c, model: { ...c.model, init } });
  };

  it("starts from the named run's best checkpoint (by the start of its id), and a run it cannot find fails saying so", async () => {
    const [sourceId] = await enqueueRuns(t.db.pool, [{ name: "source", config: tinyConfig({ maxSteps: 6 }) }], { experiment: `init-${target}` });
    await drain();
    const best = await readCheckpoint(t.db.pool, sourceId!, "BEST");
    expect(best).toBeDefined();

    const ids = await enqueueRuns(
      t.db.pool,
      [
        { name: "warm", config: withInit(`run:${sourceId!.slice(0, 8)}`) },
        { name: "lost", config: withInit("run:ffffffffffff") },
      ],
      { experiment: `init-${target}` },
    );
    const report = await drain();
    expect(report.runs.map((r) => r.outcome.status)).toEqual(["COMPLETED", "FAILED"]);
    // one step at a vanishing learning rate: the recurrent weights are still the source's
    const source = decodeCheckpoint(best!.data).tensors.get("rnn.weight_hh_l0")!.data;
    const warm = decodeCheckpoint((await readCheckpoint(t.db.pool, ids[0]!, "LAST"))!.data).tensors.get("rnn.weight_hh_l0")!.data;
    expect(Math.max(...warm.map((x, i) => Math.abs(x - source[i]!)))).toBeLessThan(1e-6);
    const { rows } = await t.db.pool.query<{ error: string | null }>(`SELECT error FROM "Run" WHERE id = $1`, [ids[1]]);
    expect(rows[0]!.error).toMatch(/model\.init: no run matches "ffffffffffff"/);
    // what came over is stored with the run (the run page's "Started with", `unroll show`), at the step it started from
    const notes = await readDiagnostics<StartNotesDoc>(t.db.pool, ids[0]!, DIAGNOSTIC_KINDS.startNotes);
    expect(notes.map((n) => n.step)).toEqual([0]);
    expect(notes[0]!.data.lines.join("\n")).toMatch(new RegExp(`init: from run:${sourceId!.slice(0, 8)}.*recurrent tensors`));
    expect(await readDiagnostics(t.db.pool, sourceId!, DIAGNOSTIC_KINDS.startNotes)).toEqual([]); // its start said nothing
  }, 120_000);
});
