// run and experiment routers: the table's filters, detail, samples, cancel, tags, notes, delete.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { countRuns, expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

describe.each(await testTargets())("run router on %s", (target) => {
  let api: Api;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    api = await openApi(target);
    const db = api.t.db;
    ids.done = await seedRun(db, {
      experiment: "alpha",
      name: "lm tied",
      status: "COMPLETED",
      paramCount: 1234,
      step: 20,
      summary: { valid_perplexity: 5.5, train_loss: 1.7 },
      tags: ["baseline"],
    });
    ids.running = await seedRun(db, {
      experiment: "alpha",
      name: "lm untied",
      config: { ...TINY_LM, model: { ...TINY_LM.model, tied: false } },
      status: "RUNNING",
      step: 7,
      metrics: {
        "train/loss": [
          [1, 3],
          [7, 2.5],
        ],
        "valid/perplexity": [[5, 9.25]],
      },
    });
    ids.queued = await seedRun(db, { experiment: "beta", name: "gru queued", config: { ...TINY_LM, model: { ...TINY_LM.model, cell: "gru" } } });
    ids.failed = await seedRun(db, { experiment: "beta", name: "broken", status: "FAILED", error: "TrainingError: step 3: loss is NaN\n    at trainStep" });
    await db.pool.query(
      `INSERT INTO "Sample" (id, "runId", step, prompt, text, params) VALUES ('s1', $1, 10, 'ROMEO:', 'ROMEO: hi', '{}'), ('s2', $1, 20, 'ROMEO:', 'ROMEO: there', '{}')`,
      [ids.done],
    );
  });
  afterAll(() => api?.close());

  it("lists every run with its experiment, latest metrics and first error line", async () => {
    const { runs, experiments } = await api.caller.run.list();
    expect(runs).toHaveLength(4);
    expect(experiments.map((e) => [e.name, e.runCount]).sort()).toEqual([
      ["alpha", 2],
      ["beta", 2],
    ]);
    const running = runs.find((r) => r.id === ids.running)!;
    expect(running).toMatchObject({
      experimentName: "alpha",
      status: "RUNNING",
      task: "lm",
      cell: "lstm",
      tied: false,
      trainLoss: 2.5,
      metric: { key: "valid/perplexity", value: 9.25 },
    });
    expect(runs.find((r) => r.id === ids.done)).toMatchObject({ trainLoss: 1.7, metric: { value: 5.5 }, paramCount: 1234, maxSteps: 20 });
    expect(runs.find((r) => r.id === ids.failed)!.error).toBe("TrainingError: step 3: loss is NaN");
  });

  it("filters by status, cell, tying, tag and text", async () => {
    const names = async (input: Parameters<Api["caller"]["run"]["list"]>[0]) => (await api.caller.run.list(input)).runs.map((r) => r.name).sort();
    expect(await names({ status: ["RUNNING", "QUEUED"] })).toEqual(["gru queued", "lm untied"]);
    expect(await names({ cell: ["gru"] })).toEqual(["gru queued"]);
    expect(await names({ tied: true })).toEqual(["broken", "gru queued", "lm tied"]);
    expect(await names({ tied: false })).toEqual(["lm untied"]);
    expect(await names({ tag: "baseline" })).toEqual(["lm tied"]);
    expect(await names({ q: "BETA" })).toEqual(["broken", "gru queued"]);
    expect(await names({ q: "untied" })).toEqual(["lm untied"]);
    await expectTRPCError(api.caller.run.list({ status: ["DONE" as "QUEUED"] }), "BAD_REQUEST");
  });

  it("gets one run with its config, worker fields, checkpoints and the full error text", async () => {
    const run = await api.caller.run.get({ id: ids.failed! });
    expect(run.error).toContain("at trainStep");
    expect(run.config).toMatchObject({ task: "lm", model: { hiddenSize: 16 } });
    expect(run.checkpoints).toEqual([]);
    expect(run.metricPointCount).toBe(0);
    expect((await api.caller.run.get({ id: ids.running! })).metricPointCount).toBe(3); // summed over its series
    await expectTRPCError(api.caller.run.get({ id: "nope" }), "NOT_FOUND", /no run with id nope/);
  });

  it("returns samples newest first", async () => {
    const samples = await api.caller.run.samples({ id: ids.done! });
    expect(samples.map((s) => s.step)).toEqual([20, 10]);
    expect(samples[0]!.text).toBe("ROMEO: there");
  });

  it("cancels queued runs at once, refuses finished ones, 404s unknown ones", async () => {
    expect(await api.caller.run.cancel({ id: ids.queued! })).toEqual({ id: ids.queued, status: "CANCELLED" });
    expect(await api.caller.run.cancel({ id: ids.running! })).toEqual({ id: ids.running, status: "RUNNING" });
    const { rows } = await api.t.db.pool.query(`SELECT "cancelRequested" FROM "Run" WHERE id = $1`, [ids.running]);
    expect(rows[0].cancelRequested).toBe(true);
    await expectTRPCError(api.caller.run.cancel({ id: ids.done! }), "CONFLICT", /already completed/);
    await expectTRPCError(api.caller.run.cancel({ id: "missing" }), "NOT_FOUND");
  });

  it("tags and annotates, deduplicating tags; rejects empty tags", async () => {
    expect(await api.caller.run.setTags({ id: ids.done!, tags: ["a", "b", "a"] })).toEqual({ id: ids.done, tags: ["a", "b"] });
    await api.caller.run.setNotes({ id: ids.done!, notes: "best so far" });
    const run = await api.caller.run.get({ id: ids.done! });
    expect(run).toMatchObject({ tags: ["a", "b"], notes: "best so far" });
    await expectTRPCError(api.caller.run.setTags({ id: ids.done!, tags: [" "] }), "BAD_REQUEST");
    await expectTRPCError(api.caller.run.setNotes({ id: "missing", notes: "x" }), "NOT_FOUND");
  });

  it("deletes finished runs with their metrics and samples, refuses running ones", async () => {
    await expectTRPCError(api.caller.run.delete({ ids: [ids.running!] }), "CONFLICT", /cancel first/);
    expect(await api.caller.run.delete({ ids: [ids.done!, ids.failed!] })).toEqual({ deleted: 2 });
    const { rows } = await api.t.db.pool.query(`SELECT count(*)::int AS n FROM "Sample"`);
    expect(rows[0].n).toBe(0);
    await expectTRPCError(api.caller.run.delete({ ids: [ids.done!] }), "NOT_FOUND");
    expect(await countRuns(api.t.db)).toBe(2);
  });

  it("lists experiments and deletes one with its runs unless a run is running", async () => {
    const list = await api.caller.experiment.list();
    const alpha = list.find((e) => e.name === "alpha")!;
    const beta = list.find((e) => e.name === "beta")!;
    await expectTRPCError(api.caller.experiment.delete({ id: alpha.id }), "CONFLICT", /running/);
    expect(await api.caller.experiment.delete({ id: beta.id })).toEqual({ deleted: beta.id });
    expect(await countRuns(api.t.db)).toBe(1);
    await expectTRPCError(api.caller.experiment.delete({ id: beta.id }), "NOT_FOUND");
  });
});
