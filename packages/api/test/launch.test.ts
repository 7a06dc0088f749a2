// launch router: presets, validation with the shared schema (BAD_REQUEST naming the field,
// nothing queued), sweeps (grid x seeds), and the HTTP error shape the form reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { testTargets } from "@unroll/db/testing";
import { checkConfig } from "@unroll/domain";
import { appRouter, createTRPCContext } from "../src/index.js";
import { countRuns, expectTRPCError, openApi, TINY_LM, type Api } from "./fixtures.js";

describe.each(await testTargets())("launch router on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
  });
  afterAll(() => api?.close());

  it("offers the six example presets, each valid under the shared schema", async () => {
    const presets = await api.caller.launch.presets();
    expect(presets.map((p) => p.id)).toEqual(["char-lm", "word-lm", "pos", "ner", "sst2", "vanishing-gradients"]);
    for (const p of presets) {
      expect(p.error).toBeNull();
      expect(checkConfig(p.config).ok, p.id).toBe(true);
    }
  });

  it("rejects a bad config with BAD_REQUEST naming the field, and queues nothing", async () => {
    const bad = { ...TINY_LM, model: { embeddingSize: 16, hiddenSize: 32, tied: true } };
    const e = await expectTRPCError(
      api.caller.launch.enqueue({ experiment: "x", config: bad }),
      "BAD_REQUEST",
      /model\.tied: weight tying needs embeddingSize = hiddenSize/,
    );
    expect((e.cause as { issues?: unknown }).issues).toEqual([{ path: "model.tied", message: expect.stringContaining("set model.embeddingSize=32") }]);
    await expectTRPCError(api.caller.launch.enqueue({ experiment: "x", config: { ...TINY_LM, train: { lr: -1 } } }), "BAD_REQUEST", /train\.lr/);
    await expectTRPCError(
      api.caller.launch.enqueue({ experiment: "x", config: { ...TINY_LM, model: { hidenSize: 8 } } }),
      "BAD_REQUEST",
      /^model: unknown key hidenSize; did you mean hiddenSize\? Valid keys here: /,
    );
    await expectTRPCError(api.caller.launch.enqueue({ experiment: "", config: TINY_LM }), "BAD_REQUEST");
    expect(await countRuns(api.t.db)).toBe(0);
    const { rows } = await api.t.db.pool.query(`SELECT count(*)::int AS n FROM "Experiment"`);
    expect(rows[0].n).toBe(0);
  });

  it("validate reports issues without throwing, and previews sweep runs", async () => {
    const bad = await api.caller.launch.validate({ config: { ...TINY_LM, data: { corpus: "sst2" } } });
    expect(bad.ok).toBe(false);
    expect(bad.issues[0]).toMatchObject({ path: "data.corpus", message: expect.stringContaining("set task=classifier") });
    const good = await api.caller.launch.validate({ config: TINY_LM, sweep: { grid: [{ key: "model.cell", values: ["lstm", "gru"] }], seeds: 2 } });
    expect(good.runs.map((r) => r.name)).toEqual(["tiny cell=lstm seed=3", "tiny cell=lstm seed=4", "tiny cell=gru seed=3", "tiny cell=gru seed=4"]);
  });

  it("plans sweeps by the CLI's rules: a train.seed axis lists seeds with one seed; a misspelt key gets did you mean", async () => {
    const seeds = await api.caller.launch.validate({ config: TINY_LM, sweep: { grid: [{ key: "train.seed", values: ["1", "7"] }], seeds: 1 } });
    expect(seeds.runs).toEqual([
      { name: "tiny seed=1", overrides: ["train.seed=1"] },
      { name: "tiny seed=7", overrides: ["train.seed=7"] },
    ]);
    const typo = await api.caller.launch.validate({ config: { ...TINY_LM, model: { ...TINY_LM.model, hidenSize: 8 } } });
    expect(typo.issues).toEqual([{ path: "model", message: expect.stringMatching(/^unknown key hidenSize; did you mean hiddenSize\?/) }]);
  });

  it("queues one run with its denormalised columns", async () => {
    const { runIds, experimentId, names } = await api.caller.launch.enqueue({ experiment: "single", config: TINY_LM, tags: ["smoke"] });
    expect(runIds).toHaveLength(1);
    expect(names).toEqual(["tiny"]);
    const run = await api.caller.run.get({ id: runIds[0]! });
    expect(run).toMatchObject({ status: "QUEUED", task: "lm", cell: "lstm", tied: true, tags: ["smoke"], experiment: { id: experimentId, name: "single" } });
    expect(run.config).toMatchObject({ tokenizer: { kind: "char" }, train: { optimizer: "adam" } }); // defaults filled in
  });

  it("model.init=run:ID must name a run with weights: refused at model.init when none matches or it ended without a checkpoint, noted while it may still write one", async () => {
    const withInit = (init: string) => ({ ...TINY_LM, model: { ...TINY_LM.model, init } });
    const before = await countRuns(api.t.db);
    const none = await api.caller.launch.validate({ config: withInit("run:ffffffffffff") });
    expect(none).toMatchObject({ ok: false, issues: [{ path: "model.init", message: 'no run matches "ffffffffffff" (see `unroll runs`)' }] });
    await expectTRPCError(
      api.caller.launch.enqueue({ experiment: "init", config: withInit("run:ffffffffffff") }),
      "BAD_REQUEST",
      /^model\.init: no run matches/,
    );
    expect(await countRuns(api.t.db)).toBe(before);

    const { runIds } = await api.caller.launch.enqueue({ experiment: "init", config: TINY_LM });
    const source = runIds[0]!;
    const queued = await api.caller.launch.validate({ config: withInit(`run:${source.slice(0, 8)}`) });
    expect(queued).toMatchObject({ ok: true, notes: [expect.stringMatching(new RegExp(`^model\\.init: run ${source} \\(queued\\) has no checkpoint yet`))] });
    await api.t.db.pool.query(`UPDATE "Run" SET status = 'CANCELLED' WHERE id = $1`, [source]);
    const ended = await api.caller.launch.validate({ config: withInit(`run:${source}`), sweep: { grid: [{ key: "model.cell", values: ["lstm", "gru"] }] } });
    expect(ended.issues).toEqual([{ path: "model.init", message: expect.stringContaining("ended cancelled without a checkpoint") }]); // once for the sweep
  });

  it("queues a sweep: every grid point times every seed, in order", async () => {
    const { runIds } = await api.caller.launch.enqueue({
      experiment: "sweep",
      config: TINY_LM,
      sweep: {
        grid: [
          { key: "model.cell", values: ["elman", "gru"] },
          { key: "train.lr", values: ["0.01", "0.003"] },
        ],
        seeds: 2,
      },
    });
    expect(runIds).toHaveLength(8);
    const { rows } = await api.t.db.pool.query(
      `SELECT name, cell, config->'train'->>'seed' AS seed, config->'train'->>'lr' AS lr FROM "Run" WHERE id = ANY($1) ORDER BY "createdAt"`,
      [runIds],
    );
    expect(rows.map((r) => `${r.cell} ${r.lr} ${r.seed}`)).toEqual([
      "elman 0.01 3",
      "elman 0.01 4",
      "elman 0.003 3",
      "elman 0.003 4",
      "gru 0.01 3",
      "gru 0.01 4",
      "gru 0.003 3",
      "gru 0.003 4",
    ]);
  });

  it("rejects a sweep whose combination is invalid, naming the field, and queues none of it", async () => {
    const before = await countRuns(api.t.db);
    await expectTRPCError(
      api.caller.launch.enqueue({ experiment: "bad sweep", config: TINY_LM, sweep: { grid: [{ key: "model.hiddenSize", values: ["16", "32"] }], seeds: 1 } }),
      "BAD_REQUEST",
      /model\.tied: with model\.hiddenSize=32/,
    );
    await expectTRPCError(
      api.caller.launch.enqueue({ experiment: "bad sweep", config: TINY_LM, sweep: { grid: [{ key: "model.cel", values: ["gru"] }], seeds: 1 } }),
      "BAD_REQUEST",
      /did you mean model\.cell/,
    );
    await expectTRPCError(
      api.caller.launch.enqueue({
        experiment: "bad sweep",
        config: TINY_LM,
        sweep: { grid: [{ key: "model.cell", values: ["lstm", "transformer"] }], seeds: 1 },
      }),
      "BAD_REQUEST",
      /model\.cell/,
    );
    await expectTRPCError(
      api.caller.launch.enqueue({ experiment: "bad sweep", config: TINY_LM, sweep: { grid: [{ key: "model.cell", values: [] }], seeds: 1 } }),
      "BAD_REQUEST",
      /at least one value/,
    );
    await expectTRPCError(api.caller.launch.enqueue({ experiment: "bad sweep", config: TINY_LM, sweep: { grid: [], seeds: 50 } }), "BAD_REQUEST");
    expect(await countRuns(api.t.db)).toBe(before);
  });

  it("over HTTP: 400 with the field's path in error.data.issues", async () => {
    const ctx = createTRPCContext({ db: api.t.db, inference: api.inference });
    const request = new Request("http://localhost/api/trpc/launch.enqueue", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ experiment: "http", config: { ...TINY_LM, model: { ...TINY_LM.model, dropout: 1.5 } } }),
    });
    const response = await fetchRequestHandler({ endpoint: "/api/trpc", req: request, router: appRouter, createContext: () => ctx });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; data: { code: string; issues: { path: string }[] } } };
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(body.error.data.issues.map((i) => i.path)).toEqual(["model.dropout"]);
    const notFound = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request(`http://localhost/api/trpc/run.get?input=${encodeURIComponent(JSON.stringify({ id: "zzz" }))}`),
      router: appRouter,
      createContext: () => ctx,
    });
    expect(notFound.status).toBe(404);
  });
});
