import { defineConfig } from "@playwright/test";
import { AUTH_STATE } from "./e2e/global-setup";
import { chromiumPath } from "./src/env.mjs";

// Browser tests in Debian's Chromium (no browser download is possible here): the real stack
// (`unroll up`: embedded database, worker, dashboard) on a temp UNROLL_HOME and free ports,
// started by e2e/global-setup.ts with UNROLL_TOKEN set; every test's browser starts with the
// token's cookie (AUTH_STATE) unless it says otherwise. Screenshots of every page land in test-results/screenshots.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright",
  globalSetup: "./e2e/global-setup.ts",
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"], ["./e2e/ci-report.ts"]],
  use: {
    viewport: { width: 1440, height: 900 },
    storageState: AUTH_STATE,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    actionTimeout: 15_000,
    launchOptions: {
      executablePath: chromiumPath().path,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
  },
});
