// The dashboard benchmark's 10,000-runs mode (issue 16): 10,000 runs in 20 experiments on the
// real Postgres (one of them 2,000 language-model runs, 1,000 seeds tied and untied), each with a
// train/loss and a valid/perplexity series (--points-per-run, default 200 + 20: 2.2 M points, not
// the issue's 29 M), then in headless Chromium against the production build:
//   runsPageMs       navigation -> the runs table's first page and count are drawn
//   searchSettledMs  last keystroke of a 13-character search -> the table shows its result
//   compare500Ms     navigation to a 500-run saved selection -> all 500 lines drawn
//   tying2000Ms      navigation to the tying page of the 2,000-run experiment -> both curves drawn
// and in-process: liveCpuPercent, the CPU the Postgres backends spend (from /proc) while 20
// live.runs subscribers poll (pollMs 1000) for --live-seconds, as % of one core.
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { createCaller, createTRPCContext, LiveSubscribers } from "@unroll/api";
import { writeMetricPoints, type MetricPointInput } from "@unroll/db";
import type { TestDatabase } from "@unroll/db/testing";
import { median, round } from "./common.js";
import { build, CHROMIUM, FLAGS, serve } from "./render.js";

export interface Runs10kOptions {
  runs: number;
  lossPoints: number;
  validPoints: number;
  reps: number;
  liveSeconds: number;
  screenshots: string;
  serverLog: string;
}

export interface Runs10kResult {
  runs: number;
  points: number;
  seedSeconds: number;
  runsPageMs: number;
  searchSettledMs: number;
  compare500Ms: number;
  tying2000Ms: number;
  liveCpuPercent: number;
  /** The query live.runs ran before (md5 over every run), one call, ms: what 20 subscribers paid each second. */
  oldHashMs: number;
  targets: { runsPageMs: 1500; searchSettledMs: 1000; compare500Ms: 3000; tying2000Ms: 2000; liveCpuPercent: 5 };
}

const SEARCH = "untied seed=4"; // 13 characters
const TYING_RUNS = 2000;

/** 10,000 runs: experiment 0 holds the 2,000 tied/untied LM runs, 19 others share the rest. */
const SEED_RUNS = `
WITH e AS (INSERT INTO "Experiment" (name) SELECT 'bench-10k-' || lpad(i::text, 2, '0') FROM generate_series(0, 19) AS i RETURNING id, name),
g AS (SELECT i,
             CASE WHEN i < $2 THEN 0 ELSE 1 + i % 19 END AS exp,
             CASE WHEN i < $2 OR i % 3 = 0 THEN 'lm' WHEN i % 3 = 1 THEN 'tagger' ELSE 'classifier' END AS task,
             (ARRAY['lstm', 'gru', 'elman'])[i % 3 + 1] AS cell,
             i % 2 = 0 AS tied, (i / 2) % 1000 AS seed, (ARRAY[0.001, 0.003, 0.01, 0.03])[i % 4 + 1] AS lr
        FROM generate_series(0, $1::int - 1) AS i)
INSERT INTO "Run" ("experimentId", name, config, status, task, cell, tied, summary, "paramCount", step, "createdAt", "startedAt", "finishedAt")
SELECT e.id, format('%s %s %s seed=%s #%s', g.task, g.cell, CASE WHEN g.tied THEN 'tied' ELSE 'untied' END, g.seed, g.i),
       jsonb_build_object('task', g.task, 'data', jsonb_build_object('corpus', 'tiny-shakespeare'),
         'model', jsonb_build_object('cell', g.cell, 'embeddingSize', 64, 'hiddenSize', 64, 'tied', g.tied),
         'train', jsonb_build_object('lr', g.lr, 'seed', g.seed, 'maxSteps', 2000)),
       'COMPLETED', g.task, g.cell, CASE WHEN g.task = 'lm' THEN g.tied END,
       CASE WHEN g.task = 'lm' THEN jsonb_build_object('valid_perplexity', 5 + 300 * g.lr + (g.i % 97) / 50.0, 'test_perplexity', 5.5 + 300 * g.lr, 'train_loss', 1 + g.lr)
            WHEN g.task = 'tagger' THEN jsonb_build_object('valid_f1', 0.9 - g.lr, 'train_loss', 0.5)
            ELSE jsonb_build_object('valid_accuracy', 0.8 - g.lr, 'train_loss', 0.6) END,
       CASE WHEN g.tied THEN 90000 ELSE 110000 END, 2000, now() - interval '30 days' + g.i * interval '1 minute', now() - interval '30 days', now() - interval '29 days'
  FROM g JOIN e ON e.name = 'bench-10k-' || lpad(g.exp::text, 2, '0')`;

/** CPU seconds (user + system) of these processes so far (from /proc/<pid>/stat; 100 ticks a second). */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // ended meanwhile
    }
  }
  return ticks / 100;
}

/** Navigation start -> `ready` holds (checked every animation frame in the page). */
async function timeTo(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit" });
  const handle = await page.waitForFunction(`(() => { if (!(${ready})) return 0; return performance.now(); })()`, undefined, {
    timeout: 180_000,
    polling: "raf",
  });
  return round(Number(await handle.jsonValue()));
}

export async function measureRuns10k(t: TestDatabase, options: Runs10kOptions): Promise<Runs10kResult> {
  const seed0 = performance.now();
  await t.db.pool.query(SEED_RUNS, [options.runs, TYING_RUNS]);
  const { rows: all } = await t.db.pool.query<{ id: string; task: string; i: number }>(`SELECT id, task FROM "Run" ORDER BY "createdAt"`);
  const CHUNK = 250;
  for (let c = 0; c < all.length; c += CHUNK) {
    const points: MetricPointInput[] = [];
    for (const [k, run] of all.slice(c, c + CHUNK).entries()) {
      const r = c + k;
      const t0 = Date.now() - 86_400_000;
      for (let s = 0; s < options.lossPoints; s++)
        points.push({
          runId: run.id,
          key: "train/loss",
          step: s * 10,
          value: 1 + 4 * Math.exp(-s / (options.lossPoints / 4)) + 0.1 * Math.sin(s / 7 + r),
          wallTime: t0 + s * 1000,
        });
      const valid = run.task === "lm" ? "valid/perplexity" : run.task === "tagger" ? "valid/f1" : "valid/accuracy";
      for (let s = 0; s < options.validPoints; s++)
        points.push({
          runId: run.id,
          key: valid,
          step: s * 100,
          value: run.task === "lm" ? 6 + 40 * Math.exp(-s / 5) + (r % 97) / 50 : 0.5 + s / (options.validPoints * 3),
          wallTime: t0 + s * 10_000,
        });
    }
    await writeMetricPoints(t.db.pool, points);
  }
  await t.db.pool.query(`ANALYZE`);
  const seedSeconds = (performance.now() - seed0) / 1000;
  const points = all.length * (options.lossPoints + options.validPoints);
  console.log(`runs10k: seeded ${all.length} runs, ${points} points in ${round(seedSeconds)} s`);

  const caller = createCaller(createTRPCContext({ db: t.db }));
  const { rows: expected } = await t.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId" WHERE r.name ILIKE $1 OR r.notes ILIKE $1 OR e.name ILIKE $1`,
    [`%${SEARCH}%`],
  );
  const searchTotal = expected[0]!.n.toLocaleString("en-US");
  const tyingExp = (await caller.experiment.list()).find((e) => e.name === "bench-10k-00")!;
  const lm = await caller.run.list({ task: ["lm"], limit: 500, sort: { by: "metric", dir: "asc" } });
  const selection = await caller.selection.create({ ids: lm.runs.map((r) => r.id) });

  // The old live.runs query (router/live.ts before issue 16): what each subscriber ran every second.
  const OLD_HASH = `SELECT md5(coalesce(string_agg(id || ':' || status || ':' || step || ':' || "cancelRequested" || ':' || array_to_string(tags, ',') || ':' || md5(notes) || ':' || coalesce("paramCount", -1), '|' ORDER BY id), '') || (SELECT count(*) FROM "Experiment")) AS v FROM "Run"`;
  const hashRuns: number[] = [];
  for (let r = 0; r < 5; r++) {
    const h0 = performance.now();
    await t.db.pool.query(OLD_HASH);
    hashRuns.push(performance.now() - h0);
  }

  mkdirSync(options.screenshots, { recursive: true });
  const log = createWriteStream(options.serverLog);
  await build(log);
  const server = await serve(t.url, log);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const figures = { runsPage: [] as number[], search: [] as number[], compare: [] as number[], tying: [] as number[] };
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    for (let r = 0; r <= options.reps; r++) {
      const warm = r > 0;
      const page = await context.newPage();
      const runsPage = await timeTo(
        page,
        `${server.url}/`,
        `document.querySelector('[data-testid="shown-count"]')?.textContent?.startsWith("100 of ${options.runs.toLocaleString("en-US")} runs") && document.querySelectorAll('table[aria-label="Runs"] tbody tr').length === 100`,
      );
      // type the search one key at a time (a person's pace), then time from the last key to its result
      const box = page.getByLabel("Search runs");
      await box.click();
      await box.pressSequentially(SEARCH.slice(0, -1), { delay: 60 });
      const s0 = Date.now();
      await box.press(SEARCH.at(-1)!);
      await page.waitForFunction(
        `(() => { const t = document.querySelector('[data-testid="shown-count"]')?.textContent ?? ""; return t.endsWith(" of ${searchTotal} runs") && !t.includes("updating"); })()`,
        undefined,
        { timeout: 60_000, polling: "raf" },
      );
      const search = Date.now() - s0;
      if (r === options.reps) await page.screenshot({ path: join(options.screenshots, "bench-10k-runs.png") });
      const compare = await timeTo(
        page,
        `${server.url}/compare?selection=${selection.id}`,
        `(() => { const c = document.querySelector('[data-testid="compare-chart"]'); if (!c || c.getAttribute("data-lines") !== "500") return false; let n = 0; for (const p of c.querySelectorAll("path[data-line-id]")) if ((p.getAttribute("d") || "").length > 20) n++; return n === 500; })()`,
      );
      if (r === options.reps) await page.locator('[data-testid="compare-chart"]').screenshot({ path: join(options.screenshots, "bench-10k-compare500.png") });
      const tying = await timeTo(
        page,
        `${server.url}/tying?experiment=${tyingExp.id}`,
        `document.querySelector('[data-testid="tying-valid"]')?.getAttribute("data-lines") === "2" && document.querySelector('[data-testid="tying-loss"]')?.getAttribute("data-lines") === "2" && (document.querySelector('[aria-label="Results over seeds"] tbody tr')?.textContent ?? "").includes("1,000")`,
      );
      if (r === options.reps) await page.screenshot({ path: join(options.screenshots, "bench-10k-tying.png"), fullPage: true });
      await page.close();
      console.log(
        `  ${warm ? `warm ${r}` : "cold"}: runs page ${runsPage} ms, search settled ${search} ms, compare 500 ${compare} ms, tying 2,000 ${tying} ms`,
      );
      if (warm || options.reps === 0) {
        figures.runsPage.push(runsPage);
        figures.search.push(search);
        figures.compare.push(compare);
        figures.tying.push(tying);
      }
    }
  } finally {
    await browser.close();
    await server.stop();
    log.end();
  }

  // 20 subscribers, each from its own client (as 20 open runs pages), polling every second
  const dbName = new URL(t.url).pathname.slice(1);
  const live = new LiveSubscribers({ perClient: 16, total: 128 });
  const controllers = Array.from({ length: 20 }, () => new AbortController());
  const streams = await Promise.all(
    controllers.map(async (c, i) =>
      (await createCaller(createTRPCContext({ db: t.db, pollMs: 1000, live, client: `bench-${i}` }), { signal: c.signal }).live.runs())[Symbol.asyncIterator](),
    ),
  );
  await Promise.all(streams.map((s) => s.next())); // each has its first version
  const pending = streams.map((s) => s.next()); // keeps each stream polling
  const { rows: backends } = await t.db.pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [dbName]);
  const pids = backends.map((b) => b.pid);
  const c0 = cpuSeconds(pids);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, options.liveSeconds * 1000));
  const liveCpuPercent = round((100 * (cpuSeconds(pids) - c0)) / ((performance.now() - w0) / 1000), 2);
  for (const c of controllers) c.abort();
  await Promise.allSettled(pending);
  console.log(
    `  20 live subscribers: ${liveCpuPercent}% of a core in Postgres (${pids.length} backends, ${options.liveSeconds} s); the old md5 query took ${round(median(hashRuns))} ms a call at ${options.runs} runs`,
  );

  return {
    runs: all.length,
    points,
    seedSeconds: round(seedSeconds),
    runsPageMs: round(median(figures.runsPage)),
    searchSettledMs: round(median(figures.search)),
    compare500Ms: round(median(figures.compare)),
    tying2000Ms: round(median(figures.tying)),
    liveCpuPercent,
    oldHashMs: round(median(hashRuns)),
    targets: { runsPageMs: 1500, searchSettledMs: 1000, compare500Ms: 3000, tying2000Ms: 2000, liveCpuPercent: 5 },
  };
}
