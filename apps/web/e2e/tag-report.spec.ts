// NER on the run page (issue 18), on the real stack: a BiLSTM tagger queued with the CLI and trained
// by the stack's worker (on Universal NER EWT when the data directory has it, else the repository's
// two-sentence excerpt); its run page shows entity P/R/F1 by type and the tag confusion (rows gold,
// columns predicted, the largest off-diagonal cells outlined) for the test split and the validation.
// A second tagger started from it (model.init=run:ID) shows what came over under "Started with".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");
mkdirSync(SHOTS, { recursive: true });
const ROOT = join(import.meta.dirname, "..", "..", "..");
const url = (path: string) => `${process.env.E2E_BASE_URL}${path}`;
const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

const TAGS = ["B-LOC", "B-ORG", "B-PER", "I-LOC", "I-ORG", "I-PER", "O"];
const dataDir = process.env.UNROLL_DATA_DIR ?? join(ROOT, "..", "shared", "data");
const excerpt = join(ROOT, "packages/core/test-fixtures/uner-excerpt.iob2");
const data = existsSync(join(dataDir, "uner-english-ewt", "en_ewt-ud-dev.iob2"))
  ? { corpus: "uner-english-ewt", devAsTrain: true }
  : { format: "iob2", train: excerpt, valid: excerpt, test: excerpt };

function enqueue(config: object, experiment: string): string {
  const dir = mkdtempSync(join(tmpdir(), "unroll-e2e-ner-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const r = spawnSync(process.execPath, [join(ROOT, "packages/runner/bin/unroll.js"), "enqueue", file, "--experiment", experiment, "--json"], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, UNROLL_DATA_DIR: dataDir },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`unroll enqueue failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split("\n").pop()!) as { runIds: string[] }).runIds[0]!;
}

test("run page: entity scores by type and the tag confusion, test (best weights) and validation", async ({ page }) => {
  const runId = enqueue(
    {
      name: "ner-report",
      task: "tagger",
      data,
      // examples/ner-bilstm-uner.json for 3 epochs (340 steps on UNER: about 10 s here)
      model: { cell: "lstm", layers: 1, embeddingSize: 100, hiddenSize: 100, bidirectional: true },
      train: { optimizer: "adam", lr: 0.002, batchSize: 16, epochs: 3, evalEvery: 100, checkpointEvery: 0, seed: 1 },
    },
    "e2e: ner",
  );
  await page.goto(url(`/runs/${runId}`));
  await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", "COMPLETED", { timeout: 150_000 });
  const panel = page.getByTestId("tag-report");
  await expect(panel).toHaveAttribute("data-split", "test", { timeout: 30_000 });
  await expect(panel.getByRole("button", { name: /^Test, best weights \(step \d+\)$/ })).toHaveAttribute("aria-pressed", "true");

  // per-type table: one row per type and the total, with percentages
  const scores = panel.getByTestId("entity-scores");
  await expect(scores.locator("tbody tr")).toHaveCount(4);
  await expect(scores.locator("tbody tr").last()).toHaveAttribute("data-type", "all");
  for (const type of ["LOC", "ORG", "PER"]) await expect(scores.locator(`tr[data-type="${type}"] td[data-metric="f1"]`)).toHaveText(/^\d+\.\d%$/);

  // confusion: gold rows x predicted columns, every token counted once, the largest confusions outlined
  const confusion = panel.getByTestId("confusion");
  await expect(confusion.locator("thead th")).toHaveText(["gold \\ predicted", ...TAGS, "recall"]);
  await expect(confusion.locator("tbody tr")).toHaveCount(TAGS.length);
  const counts = await confusion.locator("td[data-count]").evaluateAll((cells) => cells.map((c) => Number(c.getAttribute("data-count"))));
  expect(counts).toHaveLength(TAGS.length * TAGS.length);
  const tokens = Number((await panel.locator(".chart-title").textContent())!.match(/([\d,]+) tokens/)![1]!.replace(/,/g, ""));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(tokens);
  const top = confusion.locator('td[data-top="1"]');
  expect(await top.count()).toBeGreaterThan(0);
  for (const cell of await top.all()) expect(await cell.getAttribute("data-gold")).not.toBe(await cell.getAttribute("data-predicted"));
  await expect(panel.getByTestId("top-confusions")).toContainText("read as");
  await panel.scrollIntoViewIfNeeded();
  await shot(page, "run-ner-report-test");
  await panel.screenshot({ path: join(SHOTS, "run-ner-report-test-panel.png") });

  // the latest validation's report
  await panel.getByRole("button", { name: /^Latest validation \(step \d+\)$/ }).click();
  await expect(panel).toHaveAttribute("data-split", "valid");
  await expect(panel.getByTestId("entity-scores").locator("tbody tr").last()).toHaveAttribute("data-type", "all");
  await panel.scrollIntoViewIfNeeded();
  await shot(page, "run-ner-report-valid");
  await panel.screenshot({ path: join(SHOTS, "run-ner-report-valid-panel.png") });
  // the run's start said nothing (no vectors, no model.init), so there is no "Started with"
  await expect(page.getByRole("region", { name: "Started with" })).toHaveCount(0);

  // a run started from this one (model.init=run:ID) says on its page what came over
  const warmId = enqueue(
    {
      name: "ner-warm",
      task: "tagger",
      data,
      model: { cell: "lstm", layers: 1, embeddingSize: 100, hiddenSize: 100, bidirectional: true, init: `run:${runId.slice(0, 8)}` },
      train: { optimizer: "adam", lr: 0.002, batchSize: 16, maxSteps: 5, evalEvery: 5, checkpointEvery: 0, seed: 1 },
    },
    "e2e: ner",
  );
  await page.goto(url(`/runs/${warmId}`));
  await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", "COMPLETED", { timeout: 150_000 });
  const started = page.getByRole("region", { name: "Started with" });
  await expect(started.getByTestId("start-notes")).toContainText(`init: from run:${runId.slice(0, 8)} (tagger, step `, { timeout: 30_000 });
  await expect(started).toContainText("recurrent tensors; the output layer starts fresh");
  await started.screenshot({ path: join(SHOTS, "run-started-with.png") });
});
