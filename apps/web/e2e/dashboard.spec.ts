// A person's path through the dashboard on the real stack: launch tiny runs from the form (and
// see a bad value refused next to its field), watch a worker pick one up and its chart grow live,
// compare the two runs, read the tied-vs-untied parameter counts, generate text in the playground.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");
mkdirSync(SHOTS, { recursive: true });
const url = (path: string) => `${process.env.E2E_BASE_URL}${path}`;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const EXPERIMENT = "e2e: tied vs untied";
/** How the run page names each CPU backend's device (core's BackendInfo.device). */
const DEVICE: Record<string, RegExp> = { wasm: /CPU \(WebAssembly, /, cpu: /CPU \(plain JavaScript/ };

/** Points a chart reports having (data-points), and its rendered curve paths. */
async function chartState(page: Page, testId: string) {
  const chart = page.getByTestId(testId);
  const points = Number(await chart.getAttribute("data-points"));
  const paths = await chart.locator("path.recharts-line-curve, path[data-line-id]").evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? ""));
  return { points, paths };
}

const field = (page: Page, path: string) => page.locator(`[data-field="${path}"]`);
async function setField(page: Page, path: string, value: string) {
  const control = field(page, path).locator("input, select, textarea").first();
  if ((await control.evaluate((e) => e.tagName)) === "SELECT") await control.selectOption(value);
  else await control.fill(value);
}

test.describe.serial("dashboard", () => {
  let runIds: string[] = [];

  test("launch a tiny sweep from the form; invalid values are refused next to their field", async ({ page }) => {
    await page.goto(url("/launch"));
    await page.getByRole("button", { name: "Char LM · tiny Shakespeare" }).click();
    await page.getByLabel("experiment name").fill(EXPERIMENT);
    // Tying needs embeddingSize = hiddenSize: the schema's message appears next to model.tied.
    await setField(page, "model.embeddingSize", "32");
    await setField(page, "model.hiddenSize", "48");
    await expect(field(page, "model.tied").getByRole("alert")).toContainText("weight tying needs embeddingSize = hiddenSize");
    const submit = page.getByRole("button", { name: /^Queue \d+ runs?$/ });
    await expect(submit).toBeDisabled();
    await setField(page, "train.lr", "fast");
    await expect(field(page, "train.lr").getByRole("alert")).toContainText("expected number");
    await setField(page, "train.lr", "0.005");
    await setField(page, "model.hiddenSize", "32");
    await expect(field(page, "model.tied").getByRole("alert")).toHaveCount(0);
    for (const [path, value] of [
      ["train.batchSize", "8"],
      ["train.bptt", "32"],
      ["train.maxSteps", "3000"],
      ["train.evalEvery", "100"],
      ["train.evalBatches", "2"],
      ["train.sampleEvery", "1000"],
      ["train.checkpointEvery", "1000"],
      ["sample.maxLength", "40"],
    ]) {
      await setField(page, path!, value!);
    }
    await page.getByRole("button", { name: "Add sweep field" }).click();
    await page.getByLabel("Sweep field 1", { exact: true }).selectOption("model.tied");
    await page.getByLabel("Sweep values 1", { exact: true }).fill("true,false");
    await expect(page.getByRole("button", { name: "Queue 2 runs" })).toBeEnabled();
    await shot(page, "launch");
    await page.getByRole("button", { name: "Queue 2 runs" }).click();
    const queued = page.getByRole("status", { name: "Queued" });
    await expect(queued).toContainText("Queued 2 runs");
    runIds = await queued.getByRole("link").evaluateAll((links) =>
      links
        .map((a) => a.getAttribute("href")!)
        .filter((h) => h.startsWith("/runs/"))
        .map((h) => h.slice(6)),
    );
    expect(runIds).toHaveLength(2);
  });

  test("a worker picks the run up and its chart grows live", async ({ page }) => {
    // The second run: the worker (one run at a time) trains the first one meanwhile, so this page is
    // open before its run starts and sees it grow. A tiny run trains fast (~500 steps/s with the
    // native addon): 3000 steps keep it going for several live updates.
    await page.goto(url(`/runs/${runIds[1]}`));
    await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", /RUNNING|COMPLETED/, { timeout: 60_000 });
    await expect.poll(async () => (await chartState(page, "chart-train-loss")).points, { timeout: 60_000 }).toBeGreaterThan(0);
    const first = await chartState(page, "chart-train-loss");
    // Live: more points arrive over server-sent events without a reload.
    await expect.poll(async () => (await chartState(page, "chart-train-loss")).points, { timeout: 60_000 }).toBeGreaterThan(first.points);
    const later = await chartState(page, "chart-train-loss");
    expect(later.paths.length).toBeGreaterThan(0);
    expect(later.paths.some((d) => d.split(/[ML]/).length > 20)).toBe(true); // a real curve, not an empty path
    await expect.poll(async () => (await chartState(page, "chart-valid")).points, { timeout: 60_000 }).toBeGreaterThan(1);
    // The backend global-setup asked the worker for (UNROLL_BACKEND, default wasm), and its device.
    const backend = process.env.E2E_BACKEND!;
    expect(Object.keys(DEVICE), `no device text known for UNROLL_BACKEND=${backend}: add it to DEVICE`).toContain(backend);
    await expect(page.getByTestId("backend")).toHaveText(backend);
    await expect(page.getByRole("region", { name: "Worker" })).toContainText(DEVICE[backend]!);
    await shot(page, "run-live");
    await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", "COMPLETED", { timeout: 90_000 });
    await expect(page.getByRole("region", { name: "Samples" })).toContainText("ROMEO:");
    await expect(page.getByRole("region", { name: "Checkpoints" })).toContainText("best");
    await expect(page.getByRole("region", { name: "System" })).toContainText("cpu_percent"); // the worker's sys/* series
    await shot(page, "run-completed");
  });

  test("the runs table shows both runs live; compare them", async ({ page }) => {
    await page.goto(url("/"));
    const table = page.getByRole("table", { name: "Runs" });
    for (const id of runIds) await expect(table.locator(`tr[data-run-id="${id}"]`)).toBeVisible();
    await page.getByLabel("Weight tying").selectOption("untied");
    await expect(table.locator("tbody tr")).toHaveCount(1);
    await page.getByLabel("Weight tying").selectOption("");
    await expect(table.locator(`tr[data-run-id="${runIds[1]}"]`).locator("[data-status]")).toHaveAttribute("data-status", /RUNNING|COMPLETED/, {
      timeout: 60_000,
    });
    await shot(page, "runs");
    for (const id of runIds) await table.locator(`tr[data-run-id="${id}"]`).getByRole("checkbox").check();
    await page.getByRole("button", { name: "Compare 2" }).click();
    await expect(page).toHaveURL(/\/compare\?ids=/);
    const chart = page.getByTestId("compare-chart");
    await expect
      .poll(async () => (await chartState(page, "compare-chart")).paths.filter((d) => d.length > 20).length, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
    await expect(page.locator('th[data-differs="true"]').first()).toContainText("model.tied");
    await page.getByLabel("X axis").selectOption("tokens");
    await page.getByLabel("Y scale").selectOption("log");
    await expect(chart.locator("path[data-line-id]").first()).toHaveAttribute("d", /.{20,}/);
    await expect(chart).toContainText("tokens seen");
    await shot(page, "compare");
  });

  test("tied vs untied: parameter counts and the saving", async ({ page }) => {
    await page.goto(url("/tying"));
    await page.getByRole("combobox", { name: "Experiment" }).selectOption({ label: `${EXPERIMENT} (1 tied, 1 untied)` });
    const num = async (id: string) => Number((await page.getByTestId(id).innerText()).replace(/[^\d]/g, ""));
    await expect.poll(() => num("untied-params"), { timeout: 90_000 }).toBeGreaterThan(0);
    await expect.poll(() => num("tied-params"), { timeout: 90_000 }).toBeGreaterThan(0);
    const tied = await num("tied-params");
    const untied = await num("untied-params");
    expect(untied).toBeGreaterThan(tied);
    // Tying removes the output layer's vocab x hidden matrix (hidden 32 here): a multiple of 32.
    expect((untied - tied) % 32).toBe(0);
    await expect(page.getByTestId("saving")).toContainText(new Intl.NumberFormat("en-US").format(untied - tied));
    // Both runs finish: valid and test perplexity and train loss per side, one seed each here.
    await expect(page.getByRole("region", { name: "Results over seeds" }).getByText("(n=1)")).toHaveCount(6, { timeout: 90_000 });
    await expect
      .poll(async () => (await chartState(page, "tying-valid")).paths.filter((d) => d.length > 20).length, { timeout: 90_000 })
      .toBeGreaterThanOrEqual(2);
    await shot(page, "tying");
  });

  test("playground: generate text and score a sentence with a run's checkpoint", async ({ page }) => {
    await page.goto(url(`/playground?run=${runIds[0]}`));
    await page.getByLabel("Prompt").fill("ROMEO:");
    await page.getByLabel("Number of samples").fill("2");
    await page.getByLabel("Max length").fill("60");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    const samples = page.getByTestId("generated-sample");
    await expect(samples).toHaveCount(2, { timeout: 60_000 });
    for (const text of await samples.allInnerTexts()) {
      expect(text.startsWith("ROMEO:")).toBe(true);
      expect(text.length).toBeGreaterThan(20);
    }
    await page.getByLabel("Sentence to score").fill("To be, or not to be");
    await page.getByRole("button", { name: "Score", exact: true }).click();
    await expect(page.getByLabel("Per-token probabilities").locator(".token")).toHaveCount(20, { timeout: 30_000 });
    await expect(page.getByRole("region", { name: "Score" })).toContainText("perplexity");
    await shot(page, "playground");
  });
});
