// The runs table at scale: keyset pages that are complete and free of duplicates while runs are
// inserted, sorting in SQL over every run (not the newest page), the total count, a saved
// "select all matching", and the change counter that live.runs polls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { writeMetricPoints } from "@unroll/db";
import { runsVersion } from "../src/router/live.js";
import { expectTRPCError, openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

const N = 1_100;

type ListInput = NonNullable<Parameters<Api["caller"]["run"]["list"]>[0]>;

/** Every page of a listing, following nextCursor; `between` runs after each page. */
async function allPages(api: Api, input: ListInput, between?: (page: number) => Promise<void>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let page = 0;
  const totals: number[] = [];
  do {
    const res: Awaited<ReturnType<Api["caller"]["run"]["list"]>> = await api.caller.run.list({ ...input, cursor });
    ids.push(...res.runs.map((r) => r.id));
    totals.push(res.total);
    cursor = res.nextCursor;
    if (between) await between(page++);
  } while (cursor);
  return { ids, totals };
}

describe.each(await testTargets())("runs table at scale on %s", (target) => {
  let api: Api;
  /** Seeded run ids, oldest first; run i has valid perplexity i + 1 (so the oldest is the best). */
  let seeded: string[] = [];
  beforeAll(async () => {
    api = await openApi(target);
    const first = await seedRun(api.t.db, { experiment: "big", name: "run 0", status: "COMPLETED", summary: { valid_perplexity: 1, train_loss: 5 } });
    // the rest in one statement: same config and experiment, created a second apart, oldest first
    const { rows } = await api.t.db.pool.query<{ id: string }>(
      `INSERT INTO "Run" ("experimentId", name, config, status, task, cell, tied, summary, "createdAt", step)
       SELECT r."experimentId", 'run ' || i, r.config, 'COMPLETED', 'lm', CASE WHEN i % 2 = 0 THEN 'lstm' ELSE 'gru' END, r.tied,
              jsonb_build_object('valid_perplexity', i + 1, 'train_loss', 5), now() - interval '1 day' + i * interval '1 second', i % 7
         FROM "Run" r, generate_series(1, $2::int - 1) AS i WHERE r.id = $1
       RETURNING id`,
      [first, N],
    );
    await api.t.db.pool.query(`UPDATE "Run" SET "createdAt" = now() - interval '2 days' WHERE id = $1`, [first]);
    seeded = [first, ...rows.map((r) => r.id)];
  });
  afterAll(() => api?.close());

  it("counts every matching run, not the page", async () => {
    const res = await api.caller.run.list({ limit: 10 });
    expect(res.runs).toHaveLength(10);
    expect(res.total).toBe(N);
    expect((await api.caller.run.list({ cell: ["gru"], limit: 10 })).total).toBe(N / 2);
    expect((await api.caller.run.list({ q: "run 10", limit: 10 })).total).toBe(111); // run 10, run 100-109, run 1000-1099
  });

  it("pages newest first through every run once, while runs are inserted between pages", async () => {
    const inserted: string[] = [];
    const { ids, totals } = await allPages(api, { limit: 97 }, async () => {
      inserted.push(await seedRun(api.t.db, { experiment: "big", name: "inserted meanwhile" }));
    });
    expect(new Set(ids).size).toBe(ids.length); // no duplicates
    for (const id of seeded) expect(ids).toContain(id); // none skipped
    expect(ids.slice(-1)).toEqual([seeded[0]]); // the oldest last
    expect(ids.filter((id) => inserted.includes(id))).toEqual([]); // newer than the first page: not in later pages
    expect(totals[0]).toBe(N);
    expect(totals.at(-1)).toBeGreaterThan(N);
    await api.t.db.pool.query(`DELETE FROM "Run" WHERE id = ANY($1::text[])`, [inserted]);
  });

  it("sorts by the main metric over all runs, best first, runs without one last", async () => {
    // a running run whose latest logged value (no summary yet) beats every finished one
    const going = await seedRun(api.t.db, {
      experiment: "big",
      name: "going",
      status: "RUNNING",
      metrics: {
        "valid/perplexity": [
          [1, 9],
          [2, 0.5],
        ],
      },
    });
    const none = await seedRun(api.t.db, { experiment: "big", name: "not evaluated" });
    const first = await api.caller.run.list({ sort: { by: "metric", dir: "asc" }, limit: 3 });
    expect(first.runs.map((r) => [r.name, r.metric?.value])).toEqual([
      ["going", 0.5],
      ["run 0", 1],
      ["run 1", 2],
    ]);
    // the whole order, page by page, against the same rule in JS
    const { ids } = await allPages(api, { sort: { by: "metric", dir: "asc" }, limit: 250 });
    const expected = [going, ...seeded, none];
    expect(ids).toEqual(expected);
    const worst = await api.caller.run.list({ sort: { by: "metric", dir: "desc" }, limit: 2 });
    expect(worst.runs.map((r) => r.name)).toEqual([`run ${N - 1}`, `run ${N - 2}`]);
    await api.t.db.pool.query(`DELETE FROM "Run" WHERE id = ANY($1::text[])`, [[going, none]]);
  });

  it("pages by a column with ties (step) without losing or repeating a run", async () => {
    const { ids } = await allPages(api, { sort: { by: "step", dir: "asc" }, limit: 64 });
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
  });

  it("refuses a cursor it did not hand out", async () => {
    await expectTRPCError(api.caller.run.list({ cursor: "bm9wZQ" }), "BAD_REQUEST", /cursor: not one this server handed out/);
  });

  it("saves every run matching a filter, minus the unticked ones, as one selection", async () => {
    const gru = await api.caller.run.list({ cell: ["gru"], limit: 2 });
    const except = gru.runs.map((r) => r.id);
    const saved = await api.caller.selection.create({ filter: { cell: ["gru"] }, except });
    expect(saved.count).toBe(N / 2 - 2);
    expect(await api.caller.selection.get({ id: saved.id })).toMatchObject({ count: N / 2 - 2, label: JSON.stringify({ cell: ["gru"] }) });
    const { rows } = await api.t.db.pool.query<{ ids: string[] }>(`SELECT "runIds" AS ids FROM "Selection" WHERE id = $1`, [saved.id]);
    const expected = await api.t.db.pool.query<{ id: string }>(
      `SELECT id FROM "Run" WHERE cell = 'gru' AND NOT (id = ANY($1::text[])) ORDER BY "createdAt" DESC, id DESC`,
      [except],
    );
    expect(rows[0]!.ids).toEqual(expected.rows.map((r) => r.id));
    await expectTRPCError(api.caller.selection.create({ filter: { q: "no such run" } }), "BAD_REQUEST", /no run matches/);
    await expectTRPCError(api.caller.selection.get({ id: "nope" }), "NOT_FOUND");
  });
});

describe.each(await testTargets())("the change counter on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
  });
  afterAll(() => api?.close());

  it("changes on insert, update and delete of runs, and not otherwise", async () => {
    const db = api.t.db.pool;
    const v0 = await runsVersion(db);
    const id = await seedRun(api.t.db, { name: "counted" });
    const v1 = await runsVersion(db);
    expect(v1).not.toBe(v0);
    // reads, a heartbeat, a no-op update, an update that matches nothing and metric writes: no change
    await api.caller.run.list();
    await db.query(`UPDATE "Run" SET "heartbeatAt" = now(), "heartbeatDueAt" = now() + interval '1 minute' WHERE id = $1`, [id]);
    await db.query(`UPDATE "Run" SET status = status, notes = notes WHERE id = $1`, [id]);
    await db.query(`UPDATE "Run" SET notes = 'x' WHERE id = 'missing'`);
    await db.query(`DELETE FROM "Run" WHERE id = 'missing'`);
    await writeMetricPoints(db, [{ runId: id, key: "train/loss", step: 1, value: 2 }]);
    expect(await runsVersion(db)).toBe(v1);
    await db.query(`UPDATE "Run" SET status = 'RUNNING' WHERE id = $1`, [id]);
    const v2 = await runsVersion(db);
    expect(v2).not.toBe(v1);
    await api.caller.run.setNotes({ id, notes: "changed" });
    const v3 = await runsVersion(db);
    expect(v3).not.toBe(v2);
    await db.query(`UPDATE "Run" SET status = 'COMPLETED' WHERE id = $1`, [id]);
    await api.caller.run.delete({ ids: [id] });
    const v4 = await runsVersion(db);
    expect(v4).not.toBe(v3);
    await seedRun(api.t.db, { experiment: "another", name: "x", config: TINY_LM }); // a new experiment and run
    expect(await runsVersion(db)).not.toBe(v4);
  });

  it("is one row read: the same statement at any number of runs", async () => {
    const { rows } = await api.t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ChangeCounter"`);
    expect(rows[0]!.n).toBe(1);
  });
});
