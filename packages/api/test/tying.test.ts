// Tied vs untied: the router over stored runs (mean and spread over seeds in SQL, parameter
// saving, confounders), and the paired launch (identical configs and seeds, tying on and off).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

const cfg = (tied: boolean, seed: number) => ({ ...TINY_LM, model: { ...TINY_LM.model, tied }, train: { ...TINY_LM.train, seed } });

describe.each(await testTargets())("tying router on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
  });
  afterAll(() => api?.close());

  it("summarises an experiment's stored runs", async () => {
    for (const [tied, seed, valid, params] of [
      [true, 1, 8, 4000],
      [true, 2, 10, 4000],
      [false, 1, 9, 5000],
      [false, 2, 13, 5000],
    ] as const) {
      await seedRun(api.t.db, {
        experiment: "pair",
        name: `t=${tied} s=${seed}`,
        config: cfg(tied, seed),
        status: "COMPLETED",
        paramCount: params,
        summary: { valid_perplexity: valid, test_perplexity: valid + 1 },
      });
    }
    await seedRun(api.t.db, { experiment: "classifiers", config: { task: "classifier", data: { corpus: "sst2" } } });
    const exps = await api.caller.tying.experiments();
    expect(exps.map((e) => [e.name, e.tied, e.untied])).toEqual([["pair", 2, 2]]);
    // a confounder: one run with another learning rate, and a seed run only one way
    const lr = await seedRun(api.t.db, {
      experiment: "pair",
      name: "other lr",
      config: { ...cfg(true, 3), train: { ...TINY_LM.train, seed: 3, lr: 0.5 } },
      status: "RUNNING",
    });
    let s = await api.caller.tying.summary({ experimentId: exps[0]!.id });
    expect(s.confounders).toEqual(["train.lr"]);
    expect(s.sides[0]).toMatchObject({ runs: 3, completed: 2, seeds: { count: 3, min: 1, max: 3 } });
    await api.t.db.pool.query(`DELETE FROM "Run" WHERE id = $1`, [lr]);
    s = await api.caller.tying.summary({ experimentId: exps[0]!.id });
    expect(s.confounders).toEqual([]);
    expect(s.runs).toHaveLength(4);
    expect(s.total).toBe(4);
    expect(s.saving).toEqual({ params: 1000, fraction: 0.2 });
    expect(s.sides.map((x) => [x.tied, x.paramCount, x.validPerplexity!.mean, x.testPerplexity!.mean])).toEqual([
      [true, 4000, 9, 10],
      [false, 5000, 11, 12],
    ]);
    expect(s.sides[1]!.validPerplexity!.std).toBeCloseTo(Math.sqrt(8), 10);
    expect(s.pairedSeeds).toBe(2);
    await expectTRPCError(api.caller.tying.summary({ experimentId: "nope" }), "NOT_FOUND");
  });

  it("launches a paired sweep: identical configs and seeds, tying on and off", async () => {
    const { runIds, experimentId } = await api.caller.tying.launch({ experiment: "paired", config: TINY_LM, seeds: 2 });
    expect(runIds).toHaveLength(4);
    const { rows } = await api.t.db.pool.query(`SELECT tied, config FROM "Run" WHERE "experimentId" = $1 ORDER BY "createdAt"`, [experimentId]);
    expect(rows.map((r) => `${r.tied} ${r.config.train.seed}`)).toEqual(["true 3", "true 4", "false 3", "false 4"]);
    const strip = (c: { model: Record<string, unknown>; train: Record<string, unknown> }) => ({
      ...c,
      model: { ...c.model, tied: null },
      train: { ...c.train, seed: null },
    });
    expect(new Set(rows.map((r) => JSON.stringify(strip(r.config)))).size).toBe(1);
  });

  it("refuses a paired sweep that cannot tie, naming the field", async () => {
    await expectTRPCError(
      api.caller.tying.launch({ experiment: "no", config: { ...TINY_LM, model: { embeddingSize: 8, hiddenSize: 16, tied: false } } }),
      "BAD_REQUEST",
      /model\.tied/,
    );
    await expectTRPCError(
      api.caller.tying.launch({ experiment: "no", config: { task: "classifier", data: { corpus: "sst2" } } }),
      "BAD_REQUEST",
      /model\.tied.*only a language model/,
    );
    const { rows } = await api.t.db.pool.query(`SELECT count(*)::int AS n FROM "Experiment" WHERE name = 'no'`);
    expect(rows[0].n).toBe(0);
  });
});
