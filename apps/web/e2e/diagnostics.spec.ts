// What no tracker shows (issue 15), on the real stack: a tiny Elman LM queued with the CLI, trained
// by the stack's worker; its run page draws the gradient norm through time and the loss by position
// as heatmaps with one row per BPTT position and one column per validation (and a line for the
// step clicked); the playground shows its states over a text, units x tokens.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");
mkdirSync(SHOTS, { recursive: true });
const ROOT = join(import.meta.dirname, "..", "..", "..");
const url = (path: string) => `${process.env.E2E_BASE_URL}${path}`;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

const BPTT = 16;
const VALIDATIONS = 6;

/** Queues `config` with `unroll enqueue` against the stack's database; returns the run id. */
function enqueue(config: object, experiment: string): string {
  const dir = mkdtempSync(join(tmpdir(), "unroll-e2e-diag-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const r = spawnSync(process.execPath, [join(ROOT, "packages/runner/bin/unroll.js"), "enqueue", file, "--experiment", experiment, "--json"], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`unroll enqueue failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split("\n").pop()!) as { runIds: string[] }).runIds[0]!;
}

test.describe.serial("diagnostics", () => {
  let runId = "";
  test.beforeAll(() => {
    runId = enqueue(
      {
        name: "elman-diagnostics",
        task: "lm",
        data: { corpus: "tiny-shakespeare" },
        model: { cell: "elman", embeddingSize: 16, hiddenSize: 16 },
        train: { batchSize: 8, bptt: BPTT, maxSteps: 10 * VALIDATIONS, evalEvery: 10, evalBatches: 2, sampleEvery: 0, checkpointEvery: 0 },
      },
      "e2e: diagnostics",
    );
  });

  test("run page: gradient norm through time, positions x validations, and the line of a step", async ({ page }) => {
    await page.goto(url(`/runs/${runId}`));
    await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", "COMPLETED", { timeout: 150_000 });
    const heatmap = page.getByTestId("grad-norm-heatmap");
    await expect(heatmap).toHaveAttribute("data-cols", String(VALIDATIONS), { timeout: 30_000 });
    await expect(heatmap).toHaveAttribute("data-rows", String(BPTT));
    await expect(heatmap.locator("rect.heat-cell")).toHaveCount(BPTT * VALIDATIONS);
    // click the first validation's column: the line below follows it
    await heatmap.locator("rect.heat-cell").first().click();
    await expect(page.getByTestId("grad-norm-line")).toContainText("at step 10");
    await expect(page.getByTestId("grad-norm-line").locator("path.recharts-line-curve")).toHaveCount(1);
    await page.getByTestId("grad-norm-panel").scrollIntoViewIfNeeded();
    await shot(page, "run-grad-norm");
    const loss = page.getByTestId("loss-position-heatmap");
    await expect(loss).toHaveAttribute("data-cols", String(VALIDATIONS));
    await expect(loss).toHaveAttribute("data-rows", String(BPTT));
    await page.getByTestId("loss-position-panel").scrollIntoViewIfNeeded();
    await shot(page, "run-loss-by-position");
  });

  test("diagnostics overlay: the run's latest gradient norm and loss by position as lines", async ({ page }) => {
    await page.goto(url(`/diagnostics?ids=${runId}`));
    for (const id of ["overlay-grad-norm", "overlay-loss-position"]) {
      await expect(page.getByTestId(id)).toHaveAttribute("data-series-count", "1");
      await expect(page.getByTestId(id)).toHaveAttribute("data-points", String(BPTT));
      await expect(page.getByTestId(id).locator("path.recharts-line-curve")).toHaveCount(1);
    }
    await expect(page.getByRole("checkbox", { name: "Overlay elman-diagnostics" })).toBeChecked();
    await shot(page, "diagnostics-overlay");
  });

  test("playground: states over a text, units x tokens, a unit followed over the text, next tokens", async ({ page }) => {
    await page.goto(url(`/playground?run=${runId}`));
    const panel = page.getByTestId("states-panel");
    await panel.getByLabel("Text to read").fill("To be");
    await panel.getByRole("button", { name: "Show states" }).click();
    const heatmap = page.getByTestId("states-heatmap");
    await expect(heatmap).toHaveAttribute("data-rows", "16"); // hidden units
    await expect(heatmap).toHaveAttribute("data-cols", "6"); // the start token, then T, o, space, b, e
    await expect(heatmap.locator("rect.heat-cell")).toHaveCount(16 * 6);
    await heatmap
      .locator("rect.heat-cell")
      .nth(3 * 6 + 2)
      .click(); // unit 3, token 2
    await expect(page.getByTestId("unit-text")).toContainText("unit 3:");
    await expect(page.getByTestId("unit-text").locator("span[data-value]")).toHaveCount(6);
    await expect(page.getByRole("table", { name: "Next-token predictions" }).locator("tbody tr")).toHaveCount(6);
    // select-and-match: mark two tokens, get the five units most like that pattern, follow one
    await page.getByTestId("unit-text").locator("span[data-value]").nth(1).click();
    await page.getByTestId("unit-text").locator("span[data-value]").nth(4).click();
    const like = page.getByTestId("units-like").getByRole("button", { name: /^unit \d+/ });
    await expect(like).toHaveCount(5);
    await like.first().click();
    await expect(page.getByTestId("unit-text")).toContainText(`unit ${(await like.first().textContent())!.match(/unit (\d+)/)![1]}:`);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, "playground-states");

    // embeddings of the untied model: neighbours in E and in V, and how alike E and V are
    const emb = page.getByTestId("embeddings-panel");
    await emb.getByLabel("Word").fill("e");
    await emb.getByRole("button", { name: "Nearest neighbours" }).click();
    await expect(page.getByTestId("embeddings-similarity")).toContainText(/Untied: mean cos\(E_i, V_i\) -?\d/);
    await expect(emb.getByRole("table", { name: 'near "e" in E' }).locator("tbody tr")).toHaveCount(10);
    await expect(emb.getByRole("table", { name: 'near "e" in V' }).locator("tbody tr")).toHaveCount(10);
    await emb.scrollIntoViewIfNeeded();
    await shot(page, "playground-embeddings");
  });

  test("launch: the vanishing-gradient preset queues exactly Elman tanh, Elman relu, LSTM and GRU", async ({ page }) => {
    await page.goto(url("/launch"));
    await page.getByRole("button", { name: /^Queue the comparison: elman-tanh, elman-relu, lstm, gru$/ }).click();
    const queued = page.getByRole("status", { name: "Preset queued" });
    await expect(queued.getByRole("link")).toHaveText(["elman-tanh", "elman-relu", "lstm", "gru", "overlay their diagnostics"]);
    await shot(page, "launch-vanishing-gradients");
  });
});
