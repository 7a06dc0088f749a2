// metrics and compare routers: downsampled series keep spikes, other x-axes line up, keys,
// and the config table marks the keys that differ.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSeries, writeMetricPoints } from "@unroll/db";
import { testTargets } from "@unroll/db/testing";
import { expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

const N = 20_000;
const SPIKE_AT = 12_345;

describe.each(await testTargets())("metrics and compare routers on %s", (target) => {
  let api: Api;
  let long: string;
  let short: string;
  beforeAll(async () => {
    api = await openApi(target);
    const loss: [number, number][] = Array.from({ length: N }, (_, i) => [i + 1, 2 + Math.sin(i / 50) * 0.1]);
    loss[SPIKE_AT - 1] = [SPIKE_AT, 1000];
    long = await seedRun(api.t.db, {
      name: "long",
      status: "RUNNING",
      metrics: {
        "train/loss": loss,
        "train/epoch": Array.from({ length: N }, (_, i) => [i + 1, (i + 1) / 5000]),
        "train/tokens": Array.from({ length: N }, (_, i) => [i + 1, (i + 1) * 64]),
      },
    });
    short = await seedRun(api.t.db, {
      name: "short",
      config: { ...TINY_LM, model: { embeddingSize: 16, hiddenSize: 16, tied: false, cell: "gru" } },
      metrics: {
        "train/loss": [
          [1, 4],
          [2, Number.NaN],
          [3, 3],
        ],
        "valid/perplexity": [[2, 30]],
      },
    });
  });
  afterAll(() => api?.close());

  it("downsamples a long series per bucket and keeps the spike", async () => {
    const started = performance.now();
    const [s] = await api.caller.metrics.series({ runIds: [long], keys: ["train/loss"], maxPoints: 400 });
    const ms = performance.now() - started;
    console.log(`${target}: series of ${N} points -> ${s!.steps.length} in ${ms.toFixed(0)} ms`);
    expect(s!.total).toBe(N);
    expect(s!.steps.length).toBeLessThanOrEqual(400);
    expect(s!.steps.length).toBeGreaterThan(300);
    expect(s!.values).toContain(1000);
    expect(s!.steps).toContain(SPIKE_AT);
    expect([...s!.steps].sort((a, b) => a - b)).toEqual(s!.steps);
    const i = s!.steps.indexOf(SPIKE_AT);
    expect(s!.epochs[i]).toBeCloseTo(SPIKE_AT / 5000);
    expect(s!.tokens[i]).toBe(SPIKE_AT * 64);
    expect(s!.wallTimes[i]).toBeGreaterThan(0);
  });

  it("returns a short series whole, NaN as null, and empty series for missing keys", async () => {
    const [loss, ppl, missing] = await api.caller.metrics.series({ runIds: [short], keys: ["train/loss", "valid/perplexity", "valid/accuracy"] });
    expect(loss).toMatchObject({ steps: [1, 2, 3], values: [4, null, 3], epochs: [null, null, null], total: 3 });
    expect(ppl).toMatchObject({ steps: [2], values: [30] });
    expect(missing).toMatchObject({ steps: [], total: 0 });
  });

  it("a long series reads the same from the rollups as from every point (written out of order, replayed)", async () => {
    const points = Array.from({ length: 30_000 }, (_, i) => ({ runId: long, key: "train/noise", step: i * 2, value: (Math.sin(i * 12.9898) * 43_758) % 1 }));
    await writeMetricPoints(api.t.db.pool, points.slice(15_000));
    await writeMetricPoints(api.t.db.pool, points.slice(0, 20_000)); // overlaps the first write
    const [s] = await api.caller.metrics.series({ runIds: [long], keys: ["train/noise"], maxPoints: 800 });
    const raw = await readSeries(api.t.db.pool, long, "train/noise", { maxPoints: 800, rollups: false });
    expect(s!.total).toBe(30_000);
    expect(s!.steps).toEqual(raw.map((p) => p.step));
    expect(s!.values).toEqual(raw.map((p) => p.value));
    expect(s!.steps.length).toBeGreaterThan(600);
    const keys = await api.caller.metrics.keys({ runIds: [long] });
    expect(keys).toContainEqual({ key: "train/noise", points: 30_000, runs: 1 });
  });

  it("reads a step window", async () => {
    const [s] = await api.caller.metrics.series({ runIds: [long], keys: ["train/loss"], fromStep: 100, toStep: 199 });
    expect(s!.steps).toHaveLength(100);
    expect(s!.steps[0]).toBe(100);
  });

  it("lists keys with counts", async () => {
    const keys = await api.caller.metrics.keys({ runIds: [long, short] });
    expect(keys).toContainEqual({ key: "train/loss", points: N + 3, runs: 2 });
    expect(keys).toContainEqual({ key: "valid/perplexity", points: 1, runs: 1 });
    expect(keys.map((k) => k.key)).toEqual([...keys.map((k) => k.key)].sort());
  });

  it("compares runs in the order asked, marking differing config keys", async () => {
    const { runs, config } = await api.caller.compare.runs({ ids: [short, long] });
    expect(runs.map((r) => r.name)).toEqual(["short", "long"]);
    const differing = config.filter((r) => r.differs).map((r) => r.key);
    expect(differing).toEqual(["model.cell", "model.tied"]);
    expect(config.find((r) => r.key === "model.cell")).toEqual({ key: "model.cell", differs: true, values: ["gru", "lstm"] });
    expect(config.find((r) => r.key === "train.bptt")).toEqual({ key: "train.bptt", differs: false, value: 16 }); // once, not per run
    await expectTRPCError(api.caller.compare.runs({ ids: [short, "ghost"] }), "NOT_FOUND", /ghost/);
    await expectTRPCError(api.caller.metrics.series({ runIds: [], keys: ["x"] }), "BAD_REQUEST");
  });
});
