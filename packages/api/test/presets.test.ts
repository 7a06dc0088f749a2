// launch.enqueuePreset: a preset queued as it is; the vanishing-gradient comparison is exactly four
// runs, the same config but for the cell (Elman tanh, Elman relu, LSTM, GRU), with diagnostics on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { expectTRPCError, openApi, type Api } from "./fixtures.js";

describe.each(await testTargets())("launch.enqueuePreset on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
  });
  afterAll(() => api?.close());

  it("vanishing-gradients: Elman tanh, Elman relu, LSTM and GRU, otherwise the same", async () => {
    const r = await api.caller.launch.enqueuePreset({ preset: "vanishing-gradients", experiment: "vanishing" });
    expect(r.names).toEqual(["elman-tanh", "elman-relu", "lstm", "gru"]);
    const { rows } = await api.t.db.pool.query<{ name: string; cell: string; config: { model: Record<string, unknown>; train: Record<string, unknown> } }>(
      `SELECT name, cell, config FROM "Run" WHERE id = ANY($1::text[]) ORDER BY array_position($1::text[], id)`,
      [r.runIds],
    );
    expect(rows.map((x) => [x.name, x.cell, x.config.model.activation])).toEqual([
      ["elman-tanh", "elman", "tanh"],
      ["elman-relu", "elman", "relu"],
      ["lstm", "lstm", "tanh"],
      ["gru", "gru", "tanh"],
    ]);
    const rest = rows.map(({ config }) => JSON.stringify({ ...config, name: undefined, model: { ...config.model, cell: undefined, activation: undefined } }));
    expect(new Set(rest).size).toBe(1);
    expect(rows[0]!.config.train.diagnostics).toBe(true);
  });

  it("a plain preset queues its one run; an unknown one is refused", async () => {
    const r = await api.caller.launch.enqueuePreset({ preset: "char-lm", experiment: "one" });
    expect(r.runIds).toHaveLength(1);
    await expectTRPCError(api.caller.launch.enqueuePreset({ preset: "nope", experiment: "one" }), "NOT_FOUND", /preset/);
  });
});
