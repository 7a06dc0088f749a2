// The dashboard with many runs: 260 finished runs seeded straight into the stack's database (a
// grid of cell x tying x 65 seeds x 3 learning rates, 100 train/loss and 10 valid/perplexity
// points each), then what a person does with them: page and sort the runs table on the server,
// select across pages and all matching, compare 100 runs, group them, brush parallel
// coordinates, and read the tied-vs-untied page at 260 runs. Assertions are on what is drawn.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");
mkdirSync(SHOTS, { recursive: true });
const url = (path: string) => `${process.env.E2E_BASE_URL}${path}`;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const EXPERIMENT = "e2e scale grid";

/** The one part of pg used here (apps/web depends on pg, not on @types/pg). */
interface PgClient {
  connect(): Promise<void>;
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
const pg = createRequire(import.meta.url)("pg") as { Client: new (options: { connectionString?: string }) => PgClient };
const N = 260;

/** valid perplexity of run i (lower is better): the learning rate drives it, tying a little. */
const SEED_SQL = `
WITH e AS (INSERT INTO "Experiment" (name, description) VALUES ($1, 'seeded by scale.spec.ts') RETURNING id),
g AS (SELECT i, CASE WHEN i % 2 = 1 THEN 'gru' ELSE 'lstm' END AS cell, (i / 2) % 2 = 0 AS tied, i / 4 AS seed,
             (ARRAY[0.001, 0.003, 0.01])[i % 3 + 1] AS lr FROM generate_series(0, $2::int - 1) AS i),
r AS (
  INSERT INTO "Run" ("experimentId", name, config, status, task, cell, tied, summary, "paramCount", step, "createdAt", "startedAt", "finishedAt")
  SELECT e.id, format('grid %s %s lr=%s seed=%s', g.cell, CASE WHEN g.tied THEN 'tied' ELSE 'untied' END, g.lr, g.seed),
         jsonb_build_object('name', 'grid', 'task', 'lm', 'data', jsonb_build_object('corpus', 'tiny-shakespeare'),
           'model', jsonb_build_object('cell', g.cell, 'embeddingSize', 32, 'hiddenSize', 32, 'tied', g.tied),
           'train', jsonb_build_object('lr', g.lr, 'seed', g.seed, 'maxSteps', 100)),
         'COMPLETED', 'lm', g.cell, g.tied,
         jsonb_build_object('valid_perplexity', 5 + 300 * g.lr + CASE WHEN g.tied THEN 0 ELSE 1 END + (g.seed % 5) * 0.1, 'train_loss', 1 + 10 * g.lr),
         CASE WHEN g.tied THEN 9000 ELSE 11000 END, 99, now() - interval '1 hour' + g.i * interval '1 second', now() - interval '1 hour', now()
    FROM e, g RETURNING id, config
),
s AS (
  INSERT INTO "MetricSeries" ("runId", key, "pointCount", "lastStep", "lastValue")
  SELECT r.id, k.key, k.n, k.last, 0 FROM r, (VALUES ('train/loss', 100, 99), ('valid/perplexity', 10, 90)) AS k(key, n, last)
  RETURNING id, "runId", key
)
INSERT INTO "MetricPoint" ("seriesId", step, value)
SELECT s.id, st.step,
       CASE WHEN s.key = 'train/loss' THEN 1 + 4 * exp(-st.step / 30.0) + 10 * (r.config #>> '{train,lr}')::float8
            ELSE 5 + 300 * (r.config #>> '{train,lr}')::float8 + 40 * exp(-st.step / 30.0) + CASE WHEN (r.config #>> '{model,tied}')::boolean THEN 0 ELSE 1 END END
  FROM s JOIN r ON r.id = s."runId"
  CROSS JOIN LATERAL generate_series(0, 99) AS st(step)
 WHERE s.key = 'train/loss' OR st.step % 10 = 0`;

test.describe.serial("many runs", () => {
  let experimentId = "";
  test.beforeAll(async () => {
    const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
    await client.connect();
    try {
      await client.query(SEED_SQL, [EXPERIMENT, N]);
      await client.query(`UPDATE "MetricSeries" s SET "lastValue" = p.value FROM "MetricPoint" p WHERE p."seriesId" = s.id AND p.step = s."lastStep"`);
      experimentId = (await client.query<{ id: string }>(`SELECT id FROM "Experiment" WHERE name = $1`, [EXPERIMENT])).rows[0]!.id;
    } finally {
      await client.end();
    }
  });

  test("the runs table pages, sorts and counts on the server; selection survives paging", async ({ page }) => {
    await page.goto(url("/"));
    await page.getByLabel("Search runs").fill("grid ");
    const table = page.getByRole("table", { name: "Runs" });
    await expect(page.getByTestId("shown-count")).toHaveText(`100 of ${N} runs`);
    await expect(table.locator("tbody tr")).toHaveCount(100);
    // sort by the main metric, best first, over all 260 (the best run is not among the newest 100)
    await page.getByRole("button", { name: /^Valid metric/ }).click(); // numbers sort descending first
    await page.getByRole("button", { name: /^Valid metric/ }).click();
    await expect(table.locator("tbody tr").first()).toContainText("lr=0.001");
    await expect(table.locator("tbody tr").first()).toContainText("tied");
    await expect(table.locator("tbody tr").first().locator("td").nth(10)).toContainText("5.3");
    await table.locator("tbody tr").first().getByRole("checkbox").check();
    await page.getByRole("button", { name: "Load 100 more" }).click();
    await expect(table.locator("tbody tr")).toHaveCount(200);
    await expect(page.getByTestId("shown-count")).toHaveText(`200 of ${N} runs`);
    await expect(page.getByTestId("selected-count")).toHaveText("1 selected"); // the first page's tick kept
    await page.getByRole("checkbox", { name: "Select all loaded" }).check();
    await expect(page.getByTestId("selected-count")).toHaveText("200 selected");
    await page.getByRole("button", { name: `Select all ${N} matching` }).click();
    await expect(page.getByTestId("selected-count")).toHaveText(`${N} selected (all matching)`);
    await table.locator("tbody tr").nth(5).getByRole("checkbox").uncheck();
    await expect(page.getByTestId("selected-count")).toHaveText(`${N - 1} selected (all matching)`);
    await shot(page, "scale-runs-table");
    await page.getByRole("button", { name: `Compare ${N - 1}` }).click();
    await expect(page).toHaveURL(/\/compare\?selection=/);
    expect(page.url().length).toBeLessThan(200); // the selection's id, not 259 run ids
    await expect(page.getByTestId("compare-count")).toContainText(`${N - 1} runs`);
    await expect(page.getByTestId("compare-chart")).toHaveAttribute("data-lines", String(N - 1), { timeout: 30_000 });
  });

  test("compare 100 runs: 100 lines drawn, colour by a key, highlight from the legend search", async ({ page }) => {
    await page.goto(url("/"));
    await page.getByLabel("Search runs").fill("grid ");
    await expect(page.getByTestId("shown-count")).toHaveText(`100 of ${N} runs`);
    await page.getByRole("checkbox", { name: "Select all loaded" }).check();
    await page.getByRole("button", { name: "Compare 100" }).click();
    await expect(page).toHaveURL(/\/compare\?selection=/);
    const chart = page.getByTestId("compare-chart");
    await expect(chart).toHaveAttribute("data-lines", "100", { timeout: 30_000 });
    const paths = chart.locator("path[data-line-id]");
    await expect(paths).toHaveCount(100);
    expect(await paths.evaluateAll((els) => els.filter((e) => (e.getAttribute("d") ?? "").length > 200).length)).toBe(100);
    await page.getByLabel("Colour by").selectOption("model.cell");
    const colours = await paths.evaluateAll((els) => new Set(els.map((e) => e.getAttribute("stroke"))).size);
    expect(colours).toBe(2);
    await page.getByLabel("Search the legend").fill("seed=50");
    const lit = await paths.evaluateAll((els) => els.filter((e) => Number(e.getAttribute("stroke-opacity")) > 0.5).length);
    expect(lit).toBe(4); // seed 50 in each cell x tying (the newest 100 runs have seeds 40-64)
    await page.getByLabel("Search the legend").fill("");
    // the config diff: one row per run, one column per differing key
    const diff = page.getByRole("table", { name: "Differing config keys" });
    await expect(diff.locator("thead th")).toHaveText(["run", "model.cell", "model.tied", "train.lr", "train.seed"]);
    await expect(diff.locator("tbody tr")).toHaveCount(100);
    await shot(page, "scale-compare-100");
  });

  test("group the runs by config keys: mean and band per group, from the server", async ({ page }) => {
    await page.goto(url("/"));
    await page.getByLabel("Search runs").fill("grid ");
    await expect(page.getByTestId("shown-count")).toHaveText(`100 of ${N} runs`); // the search applied (debounced)
    await page.getByRole("checkbox", { name: "Select all loaded" }).check();
    await page.getByRole("button", { name: "Compare 100" }).click();
    const groups = page.getByRole("region", { name: "Groups" });
    await expect(groups.getByRole("table", { name: "Group results" }).locator("tbody tr")).toHaveCount(2, { timeout: 30_000 }); // model.tied
    await groups.getByRole("checkbox", { name: "model.cell" }).check();
    const rows = groups.getByRole("table", { name: "Group results" }).locator("tbody tr");
    await expect(rows).toHaveCount(4);
    await expect(rows.first()).toContainText("25"); // 100 runs in 4 groups
    const chart = page.getByTestId("groups-chart");
    await expect(chart).toHaveAttribute("data-lines", "4");
    await expect(chart.locator("path[data-band-id]")).toHaveCount(4);
    await shot(page, "scale-groups");
  });

  test("parallel coordinates: a line per run, brushing an axis keeps the runs inside", async ({ page }) => {
    await page.goto(url("/"));
    await page.getByLabel("Search runs").fill("grid ");
    await expect(page.getByTestId("shown-count")).toHaveText(`100 of ${N} runs`); // the search applied (debounced)
    await page.getByRole("checkbox", { name: "Select all loaded" }).check();
    await page.getByRole("button", { name: "Compare 100" }).click();
    const svg = page.getByTestId("parallel-coords");
    await expect(svg).toHaveAttribute("data-runs", "100", { timeout: 30_000 });
    await expect(svg.locator("polyline")).toHaveCount(100);
    await expect(page.getByRole("table", { name: "Parameter importance" }).locator("tbody tr").first()).toContainText("train.lr");
    // brush the top of the train.lr axis: only lr = 0.01 (a third of the runs) stays lit
    await expect(page.getByTestId("groups-chart")).toHaveAttribute("data-lines", "2"); // the panels above have their size
    const axis = svg.locator('rect[data-axis="train.lr"]');
    await axis.scrollIntoViewIfNeeded();
    const box = (await axis.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => Number(await svg.getAttribute("data-lit"))).toBeLessThan(100);
    const lit = Number(await svg.getAttribute("data-lit"));
    expect(lit).toBeGreaterThan(25);
    expect(lit).toBeLessThan(40);
    await expect(page.getByTestId("brushed-count")).toHaveText(`${lit} of 100 runs in the brushes`);
    await shot(page, "scale-parallel-coords");
  });

  test("tied vs untied at 260 runs: both sides' curves with bands, seeds as a range, errors shown", async ({ page }) => {
    await page.goto(url(`/tying?experiment=${experimentId}`));
    const results = page.getByRole("region", { name: "Results over seeds" });
    await expect(results.locator("tbody tr").first()).toContainText("130", { timeout: 30_000 });
    await expect(results.locator("tbody tr").first()).toContainText("65 seeds (0–64)");
    await expect(page.getByTestId("tying-valid")).toHaveAttribute("data-lines", "2");
    await expect(page.getByTestId("tying-valid").locator("path[data-band-id]")).toHaveCount(2);
    await expect(page.getByTestId("tying-loss")).toHaveAttribute("data-lines", "2");
    await expect(page.getByTestId("saving")).toContainText("2,000");
    await expect(page.getByText(`The first 50 of ${N} runs`)).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(4000);
    await expect(page.locator(".error-box")).toHaveCount(0); // (Next.js keeps an empty role=alert route announcer)
    await shot(page, "scale-tying");
    await page.goto(url("/tying?experiment=no-such-experiment"));
    await expect(page.getByRole("alert").filter({ hasText: "Cannot summarise this experiment" })).toContainText("no experiment with id no-such-experiment");
  });
});
