// Tied vs untied: the summary maths (mean and spread over seeds, parameter saving), the router
// over stored runs, and the paired launch (identical configs and seeds, tying on and off).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { stat, summarizeTying, type TyingRunInput } from "../src/tying.js";
import { expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

const cfg = (tied: boolean, seed: number) => ({ ...TINY_LM, model: { ...TINY_LM.model, tied }, train: { ...TINY_LM.train, seed } });

describe("summarizeTying", () => {
  const run = (id: string, tied: boolean, seed: number, valid: number, test: number | undefined, params: number): TyingRunInput => ({
    id, name: id, status: "COMPLETED", tied, paramCount: params, config: cfg(tied, seed),
    summary: { valid_perplexity: valid, ...(test === undefined ? {} : { test_perplexity: test }), train_loss: 1 }, latest: {},
  });

  it("gives mean and sample standard deviation over seeds, and the parameter saving", () => {
    const s = summarizeTying([run("a", true, 1, 10, 11, 700), run("b", true, 2, 12, 13, 700), run("c", true, 3, 14, 15, 700), run("d", false, 1, 20, 21, 1000), run("e", false, 2, 22, undefined, 1000)]);
    const [tied, untied] = s.sides;
    expect(tied).toMatchObject({ tied: true, seeds: [1, 2, 3], paramCount: 700, completed: 3 });
    expect(tied!.validPerplexity).toEqual({ n: 3, mean: 12, std: 2, min: 10, max: 14 });
    expect(tied!.testPerplexity!.mean).toBe(13);
    expect(untied!.validPerplexity!.mean).toBe(21);
    expect(untied!.validPerplexity!.std).toBeCloseTo(Math.SQRT2, 12); // sqrt(((20-21)^2 + (22-21)^2) / 1)
    expect(untied!.testPerplexity).toEqual({ n: 1, mean: 21, std: 0, min: 21, max: 21 });
    expect(s.saving).toEqual({ params: 300, fraction: 0.3 });
    expect(s.pairedSeeds).toEqual([1, 2]);
    expect(s.confounders).toEqual([]);
  });

  it("uses the latest logged value for unfinished runs and flags configs that differ beyond tying and seed", () => {
    const going: TyingRunInput = { ...run("f", false, 1, 0, 0, 1000), status: "RUNNING", summary: null, latest: { "valid/perplexity": 40 } };
    const other = { ...run("g", true, 1, 10, 10, 700), config: { ...cfg(true, 1), train: { ...TINY_LM.train, lr: 0.1 } } };
    const s = summarizeTying([going, other]);
    expect(s.sides[1]!.validPerplexity!.mean).toBe(40);
    expect(s.sides[1]!.completed).toBe(0);
    expect(s.confounders).toEqual(["train.lr"]);
  });

  it("has no saving without parameter counts on both sides, and no stats from nothing", () => {
    expect(summarizeTying([run("a", true, 1, 10, 10, 700)]).saving).toBeNull();
    expect(stat([])).toBeNull();
    expect(stat([Number.NaN, 4])).toEqual({ n: 1, mean: 4, std: 0, min: 4, max: 4 });
  });
});

describe.each(await testTargets())("tying router on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
  });
  afterAll(() => api?.close());

  it("summarises an experiment's stored runs", async () => {
    for (const [tied, seed, valid, params] of [[true, 1, 8, 4000], [true, 2, 10, 4000], [false, 1, 9, 5000], [false, 2, 13, 5000]] as const) {
      await seedRun(api.t.db, { experiment: "pair", name: `t=${tied} s=${seed}`, config: cfg(tied, seed), status: "COMPLETED", paramCount: params, summary: { valid_perplexity: valid, test_perplexity: valid + 1 } });
    }
    await seedRun(api.t.db, { experiment: "classifiers", config: { task: "classifier", data: { corpus: "sst2" } } });
    const exps = await api.caller.tying.experiments();
    expect(exps.map((e) => [e.name, e.tied, e.untied])).toEqual([["pair", 2, 2]]);
    const s = await api.caller.tying.summary({ experimentId: exps[0]!.id });
    expect(s.runs).toHaveLength(4);
    expect(s.saving).toEqual({ params: 1000, fraction: 0.2 });
    expect(s.sides.map((x) => [x.tied, x.paramCount, x.validPerplexity!.mean, x.testPerplexity!.mean])).toEqual([[true, 4000, 9, 10], [false, 5000, 11, 12]]);
    expect(s.sides[1]!.validPerplexity!.std).toBeCloseTo(Math.sqrt(8), 10);
    expect(s.pairedSeeds).toEqual([1, 2]);
    await expectTRPCError(api.caller.tying.summary({ experimentId: "nope" }), "NOT_FOUND");
  });

  it("launches a paired sweep: identical configs and seeds, tying on and off", async () => {
    const { runIds, experimentId } = await api.caller.tying.launch({ experiment: "paired", config: TINY_LM, seeds: 2 });
    expect(runIds).toHaveLength(4);
    const { rows } = await api.t.db.pool.query(`SELECT tied, config FROM "Run" WHERE "experimentId" = $1 ORDER BY "createdAt"`, [experimentId]);
    expect(rows.map((r) => `${r.tied} ${r.config.train.seed}`)).toEqual(["true 3", "true 4", "false 3", "false 4"]);
    const strip = (c: { model: Record<string, unknown>; train: Record<string, unknown> }) => ({ ...c, model: { ...c.model, tied: null }, train: { ...c.train, seed: null } });
    expect(new Set(rows.map((r) => JSON.stringify(strip(r.config)))).size).toBe(1);
  });

  it("refuses a paired sweep that cannot tie, naming the field", async () => {
    await expectTRPCError(api.caller.tying.launch({ experiment: "no", config: { ...TINY_LM, model: { embeddingSize: 8, hiddenSize: 16, tied: false } } }), "BAD_REQUEST", /model\.tied/);
    await expectTRPCError(api.caller.tying.launch({ experiment: "no", config: { task: "classifier", data: { corpus: "sst2" } } }), "BAD_REQUEST", /model\.tied.*only a language model/);
    const { rows } = await api.t.db.pool.query(`SELECT count(*)::int AS n FROM "Experiment" WHERE name = 'no'`);
    expect(rows[0].n).toBe(0);
  });
});
