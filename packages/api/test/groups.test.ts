// Grouping in SQL against the same arithmetic in JS: each group's final-metric stats and its mean
// curve with the min-max band over runs, from the points (short series) and from the rollups
// (long ones), for runs named by a filter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMetricPoints, type MetricPointInput } from "@unroll/db";
import { testTargets } from "@unroll/db/testing";
import { expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

/** The reference: mean, sample sd, min, max (as groups.ts's Stat). */
function stat(xs: number[]) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

interface Seeded {
  id: string;
  cell: string;
  tied: boolean;
  final: number;
  points: [number, number][];
}

describe.each(await testTargets())("grouping on %s", (target) => {
  let api: Api;
  const runs: Seeded[] = [];
  let experimentId = "";
  beforeAll(async () => {
    api = await openApi(target);
    const points: MetricPointInput[] = [];
    let i = 0;
    for (const cell of ["lstm", "gru"]) {
      for (const tied of [true, false]) {
        for (let seed = 0; seed < 4; seed++, i++) {
          const final = 10 + i * 1.5 + (tied ? 0 : 3);
          const id = await seedRun(api.t.db, {
            experiment: "grid",
            name: `${cell} ${tied} ${seed}`,
            config: { ...TINY_LM, model: { ...TINY_LM.model, cell, tied }, train: { ...TINY_LM.train, seed } },
            status: "COMPLETED",
            summary: { valid_perplexity: final },
          });
          // eval every 10 steps, 0..90; values differ per run
          const pts = Array.from({ length: 10 }, (_, k) => [k * 10, 50 - k * 3 + i * 0.7 + (seed % 2) * 2] as [number, number]);
          runs.push({ id, cell, tied, final, points: pts });
          points.push(...pts.map(([step, value]) => ({ runId: id, key: "valid/perplexity", step, value })));
        }
      }
    }
    // one run still going: its latest logged value stands in for the summary
    const going = await seedRun(api.t.db, {
      experiment: "grid",
      name: "going",
      config: { ...TINY_LM, model: { ...TINY_LM.model, cell: "lstm", tied: true }, train: { ...TINY_LM.train, seed: 9 } },
      status: "RUNNING",
      metrics: {
        "valid/perplexity": [
          [0, 60],
          [10, 44],
        ],
      },
    });
    runs.push({
      id: going,
      cell: "lstm",
      tied: true,
      final: 44,
      points: [
        [0, 60],
        [10, 44],
      ],
    });
    await writeMetricPoints(api.t.db.pool, points);
    experimentId = (await api.caller.experiment.list()).find((e) => e.name === "grid")!.id;
  });
  afterAll(() => api?.close());

  it("gives each group's final-metric stats as the JS reference does", async () => {
    const res = await api.caller.compare.groups({ runs: { filter: { experimentId } }, by: ["model.cell", "model.tied"], key: "valid/perplexity", buckets: 10 });
    expect(res.runs).toBe(17);
    expect(res.groups.map((g) => g.label).sort()).toEqual([
      'model.cell="gru" model.tied=false',
      'model.cell="gru" model.tied=true',
      'model.cell="lstm" model.tied=false',
      'model.cell="lstm" model.tied=true',
    ]);
    for (const g of res.groups) {
      const [cell, tied] = g.values as [string, boolean];
      const mine = runs.filter((r) => r.cell === cell && r.tied === tied);
      expect(g.runs).toBe(mine.length);
      const s = g.finals["valid/perplexity"]!;
      const ref = stat(mine.map((r) => r.final));
      expect(s.n).toBe(ref.n);
      expect(s.mean).toBeCloseTo(ref.mean, 9);
      expect(s.std).toBeCloseTo(ref.std, 9);
      expect([s.min, s.max]).toEqual([ref.min, ref.max]);
      expect(g.seeds).toEqual(cell === "lstm" && tied ? { count: 5, min: 0, max: 9 } : { count: 4, min: 0, max: 3 });
    }
  });

  it("draws each group's mean curve with its min-max band over runs, bucket by bucket", async () => {
    const res = await api.caller.compare.groups({ runs: { filter: { experimentId } }, by: ["model.tied"], key: "valid/perplexity", buckets: 10 });
    expect(res.bucketWidth).toBe(10); // steps 0..90 in 10 buckets
    for (const g of res.groups) {
      const mine = runs.filter((r) => r.tied === g.values[0]);
      const c = g.curve!;
      const steps = [...new Set(mine.flatMap((r) => r.points.map(([s]) => s)))].sort((a, b) => a - b);
      expect(c.x).toEqual(steps);
      steps.forEach((step, b) => {
        const vals = mine.flatMap((r) => r.points.filter(([s]) => s === step).map(([, v]) => v));
        const ref = stat(vals);
        expect(c.n[b]).toBe(ref.n);
        expect(c.mean[b]).toBeCloseTo(ref.mean, 9);
        expect([c.lo[b], c.hi[b]]).toEqual([ref.min, ref.max]);
      });
    }
  });

  it("reads long series from the rollups: one row per block, still inside each run's range", async () => {
    const long = await seedRun(api.t.db, { experiment: "long", name: "long a" });
    const other = await seedRun(api.t.db, { experiment: "long", name: "long b" });
    const N = 20_000;
    await writeMetricPoints(
      api.t.db.pool,
      [long, other].flatMap((runId, r) => Array.from({ length: N }, (_, s) => ({ runId, key: "train/loss", step: s, value: r * 10 + (s % 100) / 100 }))),
    );
    const res = await api.caller.compare.groups({ runs: { ids: [long, other] }, by: ["model.tied"], key: "train/loss", buckets: 100 });
    expect(res.bucketWidth % 16).toBe(0); // whole rollup blocks per bucket
    const c = res.groups[0]!.curve!;
    expect(c.x.length).toBe(Math.ceil(N / res.bucketWidth));
    for (let b = 0; b < c.x.length; b++) {
      expect(c.n[b]).toBe(2);
      expect(c.lo[b]).toBeGreaterThanOrEqual(0);
      expect(c.lo[b]).toBeLessThanOrEqual(1);
      expect(c.hi[b]).toBeGreaterThanOrEqual(10);
      expect(c.hi[b]).toBeLessThanOrEqual(11);
    }
  });

  it("refuses a bad key and says how to group", async () => {
    await expectTRPCError(
      api.caller.compare.groups({ runs: { filter: { experimentId } }, by: ["model.tied'); DROP TABLE x; --"], key: "valid/perplexity" }),
      "BAD_REQUEST",
      /a dotted config key such as model\.tied/,
    );
    await expectTRPCError(
      api.caller.compare.groups({ runs: { filter: { experimentId } }, by: [], key: "valid/perplexity" }),
      "BAD_REQUEST",
      /group by at least one config key/,
    );
  });
});

describe.each(await testTargets())("parallel coordinates on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
    for (let i = 0; i < 12; i++) {
      const lr = [0.001, 0.01, 0.1][i % 3]!;
      const cell = i % 2 ? "gru" : "lstm";
      await seedRun(api.t.db, {
        experiment: "sweep",
        name: `r${i}`,
        config: { ...TINY_LM, model: { ...TINY_LM.model, cell }, train: { ...TINY_LM.train, lr, seed: i } },
        status: "COMPLETED",
        summary: { valid_perplexity: 100 * lr + (i % 2) * 0.01 },
      });
    }
  });
  afterAll(() => api?.close());

  it("gives one row per run over the differing keys (seed left out) and ranks their importance", async () => {
    const experimentId = (await api.caller.experiment.list())[0]!.id;
    const res = await api.caller.params.coordinates({ runs: { filter: { experimentId } }, metric: "valid/perplexity" });
    expect(res.axes.map((a) => [a.key, a.kind])).toEqual([
      ["model.cell", "category"],
      ["train.lr", "number"],
    ]);
    expect(res.axes[0]!.categories).toEqual(["gru", "lstm"]);
    expect(res.runs).toHaveLength(12);
    expect(res.runs[1]).toMatchObject({ name: "r1", values: ["gru", 0.01], metric: 1.01 });
    const [cell, lr] = res.importance;
    expect(lr!.importance!).toBeGreaterThan(0.99);
    expect(lr!.correlation!).toBeGreaterThan(0.9);
    expect(cell!.importance!).toBeLessThan(0.01);
    const chosen = await api.caller.params.coordinates({ runs: { filter: { experimentId } }, metric: "valid/perplexity", keys: ["model.hiddenSize"] });
    expect(chosen.axes).toEqual([{ key: "model.hiddenSize", kind: "number", categories: null }]);
    expect(chosen.importance[0]!.importance).toBeNull(); // all 16: no spread
  });
});
