#!/usr/bin/env node
// Runs the browser tests (Playwright) in Debian's Chromium. No browser can be downloaded here:
// when /usr/bin/chromium is missing, root installs it with apt-get (printed), anyone else is told
// the command. CHROMIUM_PATH points at another Chromium.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childEnv, chromiumPath } from "../src/env.mjs";

const app = dirname(dirname(fileURLToPath(import.meta.url)));
const { path: chromium, given: chromiumGiven } = chromiumPath();
const INSTALL = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium";

if (!existsSync(chromium)) {
  if (process.getuid?.() === 0 && !chromiumGiven) {
    console.error(`e2e: ${chromium} is missing; installing Debian's chromium as root: ${INSTALL}`);
    execFileSync("bash", ["-c", INSTALL], { stdio: "inherit" });
  } else {
    console.error(`e2e: no Chromium at ${chromium}. Install it with:\n  sudo bash -c '${INSTALL}'\nor set CHROMIUM_PATH to a Chromium binary.`);
    process.exit(1);
  }
}

const cli = join(dirname(createRequire(join(app, "package.json")).resolve("@playwright/test/package.json")), "cli.js");
const started = Date.now();
const result = spawnSync(process.execPath, [cli, "test", ...process.argv.slice(2)], {
  cwd: app,
  stdio: "inherit",
  env: childEnv({ NEXT_TELEMETRY_DISABLED: "1", PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" }),
});
console.error(`e2e: ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in ${join(app, "test-results", "screenshots")}`);
process.exit(result.status ?? 1);
