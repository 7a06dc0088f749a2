// Runs launched from the dashboard read data files only under the data directory and
// UNROLL_DATA_ROOTS: a path elsewhere is refused next to its field before anything is queued, and
// no answer carries the file's content (the api's own suite covers symlinks and every procedure).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";

const SHOTS = join(import.meta.dirname, "..", "test-results", "screenshots");
mkdirSync(SHOTS, { recursive: true });
const url = (path: string) => `${process.env.E2E_BASE_URL}${path}`;
const NOT_ALLOWED = /is not a file this server may read: runs launched here read data only under .*shared\/data/;

test("a data file outside the allowed roots is refused in the form and over the api, without its content", async ({ page, request }) => {
  await page.goto(url("/launch"));
  await page.getByRole("button", { name: "Char LM · tiny Shakespeare" }).click();
  await page.getByLabel("experiment name").fill("e2e: outside the roots");
  await page.getByRole("radiogroup", { name: "Data source" }).getByRole("radio").nth(1).check();
  const train = page.locator('[data-field="data.train"]');
  await train.locator("input").fill("/etc/passwd");
  await expect(train.getByRole("alert")).toContainText(NOT_ALLOWED);
  await expect(page.getByRole("button", { name: /^Queue \d+ runs?$/ })).toBeDisabled();
  await expect(page.locator("body")).toContainText("1 problem to fix before queueing");
  await expect(page.locator("body")).not.toContainText("root:");
  await page.screenshot({ path: join(SHOTS, "launch-outside-roots.png"), fullPage: true });

  const headers = { authorization: `Bearer ${process.env.E2E_TOKEN}` };
  const response = await request.post(url("/api/trpc/launch.enqueue"), {
    headers,
    data: { experiment: "e2e: outside the roots", config: { task: "lm", data: { format: "chars", train: "/etc/passwd" } } },
  });
  expect(response.status()).toBe(400);
  const text = await response.text();
  expect(text).toMatch(NOT_ALLOWED);
  expect(text).not.toContain("root:");
  // Nothing was queued: neither the form nor the api created the experiment.
  const experiments = (await (await request.get(url("/api/trpc/experiment.list"), { headers })).json()) as { result: { data: { name: string }[] } };
  expect(experiments.result.data.map((e) => e.name)).not.toContain("e2e: outside the roots");
});
