// diagnostics router: a run's stored documents of one kind in step order, as written (lossless),
// the latest of several runs for the compare overlay, and a clear refusal of an unknown kind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { expectTRPCError, openApi, seedRun, type Api } from "./fixtures.js";

const doc = (step: number) => ({
  positions: 3,
  batch: 2,
  rows: [{ layer: 0, direction: "forward", state: "h", norms: [1e-13 * step, 0.25, 1 / 3], initial: 5e-300 }],
});

describe.each(await testTargets())("diagnostics router on %s", (target) => {
  let api: Api;
  let a: string;
  let b: string;
  beforeAll(async () => {
    api = await openApi(target);
    a = await seedRun(api.t.db, { name: "a" });
    b = await seedRun(api.t.db, { name: "b" });
    const insert = (runId: string, step: number) =>
      api.t.db.pool.query(`INSERT INTO "Diagnostic" ("runId", kind, step, data) VALUES ($1, 'gradNorm', $2, $3::jsonb)`, [
        runId,
        step,
        JSON.stringify(doc(step)),
      ]);
    for (const step of [20, 10, 30]) await insert(a, step);
    await insert(b, 5);
  });
  afterAll(() => api?.close());

  it("byRun: every document in step order, numbers exactly as stored", async () => {
    const r = await api.caller.diagnostics.byRun({ runId: a, kind: "gradNorm" });
    expect(r.points.map((p) => p.step)).toEqual([10, 20, 30]);
    expect(r.points[2]!.data).toEqual(doc(30));
    expect((await api.caller.diagnostics.byRun({ runId: a, kind: "gradNorm", limit: 2 })).points.map((p) => p.step)).toEqual([20, 30]);
  });

  it("latest: one document per run that has one", async () => {
    const none = await seedRun(api.t.db, { name: "none" });
    const r = await api.caller.diagnostics.latest({ runIds: [a, none, b], kind: "gradNorm" });
    expect(r.map((x) => [x.runId, x.step])).toEqual([
      [a, 30],
      [b, 5],
    ]);
  });

  it("runs: those with diagnostics, newest first, with cell and activation", async () => {
    const r = await api.caller.diagnostics.runs();
    expect(r.map((x) => x.id)).toEqual([b, a]);
    expect(r[0]).toMatchObject({ name: "b", task: "lm", status: "QUEUED", experiment: "exp" });
  });

  it("refuses an unknown kind, naming the known ones", async () => {
    await expectTRPCError(api.caller.diagnostics.byRun({ runId: a, kind: "weights" as "gradNorm" }), "BAD_REQUEST", /gradNorm/);
  });
});
