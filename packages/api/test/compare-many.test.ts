// Compare at scale: 500 runs named by a saved selection (the ids travel once, in selection.create's
// POST body), drawn from series sized to the chart, and the limits said in words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMetricPoints, type MetricPointInput } from "@unroll/db";
import { testTargets } from "@unroll/db/testing";
import { MAX_COMPARE, pointsPerRun } from "../src/router/compare.js";
import { expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

/** Inserts `n` copies of run `from` in experiment `from`'s, with config edits; returns their ids. */
export async function cloneRuns(api: Api, from: string, n: number, sql: { name: string; config: string }): Promise<string[]> {
  const { rows } = await api.t.db.pool.query<{ id: string }>(
    `INSERT INTO "Run" ("experimentId", name, config, status, task, cell, tied, "createdAt")
     SELECT r."experimentId", ${sql.name}, ${sql.config}, 'COMPLETED', r.task, r.cell, r.tied, now() + i * interval '1 ms'
       FROM "Run" r, generate_series(0, $2::int - 1) AS i WHERE r.id = $1 RETURNING id`,
    [from, n],
  );
  return rows.map((r) => r.id);
}

describe.each(await testTargets())("compare of many runs on %s", (target) => {
  let api: Api;
  let ids: string[] = [];
  const STEPS = 600;
  beforeAll(async () => {
    api = await openApi(target);
    const first = await seedRun(api.t.db, { experiment: "many", name: "template", config: TINY_LM });
    ids = await cloneRuns(api, first, MAX_COMPARE, { name: `'run ' || i`, config: `jsonb_set(r.config, '{train,lr}', to_jsonb(0.001 * (i % 5 + 1)))` });
    await api.t.db.pool.query(`DELETE FROM "Run" WHERE id = $1`, [first]);
    const points: MetricPointInput[] = ids.flatMap((runId, r) =>
      Array.from({ length: STEPS }, (_, s) => ({ runId, key: "train/loss", step: s, value: 5 - s / STEPS + r / 1000 + (s === 300 ? 10 : 0) })),
    );
    await writeMetricPoints(api.t.db.pool, points);
  });
  afterAll(() => api?.close());

  it("compares 500 runs by a saved selection: in order, only the differing config key per run", async () => {
    const saved = await api.caller.selection.create({ ids });
    expect(saved.count).toBe(MAX_COMPARE);
    const { runs, config } = await api.caller.compare.runs({ selectionId: saved.id });
    expect(runs.map((r) => r.id)).toEqual(ids);
    const differing = config.filter((r) => r.differs);
    expect(differing.map((r) => r.key)).toEqual(["train.lr"]);
    expect(differing[0]!.differs && differing[0]!.values.slice(0, 6)).toEqual([0.001, 0.002, 0.003, 0.004, 0.005, 0.001]);
    expect(config.find((r) => r.key === "model.hiddenSize")).toEqual({ key: "model.hiddenSize", differs: false, value: 16 });
  });

  it("draws 500 series sized to the chart, each keeping its spike (min/max per bucket)", async () => {
    const saved = await api.caller.selection.create({ ids });
    const res = await api.caller.compare.series({ runs: { selectionId: saved.id }, key: "train/loss", width: 800 });
    expect(res.detailed).toBe(false);
    expect(res.maxPoints).toBe(pointsPerRun(MAX_COMPARE, 800));
    expect(res.series).toHaveLength(MAX_COMPARE);
    for (const s of res.series) {
      expect(s.steps.length).toBeLessThanOrEqual(res.maxPoints + 2);
      expect(s.steps.length).toBeGreaterThan(res.maxPoints / 2);
      expect(Math.max(...s.values.map((v) => v ?? 0))).toBeGreaterThan(10); // step 300's spike survived
    }
    expect(JSON.stringify(res).length).toBeLessThan(MAX_COMPARE * res.maxPoints * 20);
    const keys = await api.caller.compare.keys({ runs: { selectionId: saved.id } });
    expect(keys).toEqual([{ key: "train/loss", points: MAX_COMPARE * STEPS, runs: MAX_COMPARE }]);
  });

  it("compares by a filter, and says what to do past the limits", async () => {
    const few = await api.caller.compare.series({ runs: { ids: ids.slice(0, 3) }, key: "train/loss", width: 400 });
    expect(few.detailed).toBe(true);
    expect(few.series.map((s) => s.runId)).toEqual(ids.slice(0, 3));
    await expectTRPCError(api.caller.compare.runs({ ids: ids.slice(0, 51) }), "BAD_REQUEST", /at most 50 ids in a request: save a selection/);
    const extra = await seedRun(api.t.db, { experiment: "many", name: "one more" });
    await expectTRPCError(
      api.caller.compare.runs({ filter: { q: "" } }),
      "BAD_REQUEST",
      /a comparison takes at most 500 runs; this set has more: narrow the filter/,
    );
    const big = await api.caller.selection.create({ ids: [...ids, extra] });
    await expectTRPCError(api.caller.compare.runs({ selectionId: big.id }), "BAD_REQUEST", /at most 500 runs; this set has 501/);
    await expectTRPCError(api.caller.compare.runs({ selectionId: "nope" }), "NOT_FOUND", /no selection with id nope/);
    await expectTRPCError(
      api.caller.compare.runs({ ids: [ids[0]!], selectionId: big.id } as never),
      "BAD_REQUEST",
      /exactly one of ids, selectionId or filter/,
    );
  });
});
