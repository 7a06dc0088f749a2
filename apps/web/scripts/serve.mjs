#!/usr/bin/env node
// Serves the dashboard for `unroll up` (and `pnpm --filter @unroll/web serve`): builds it first
// when the build is missing or stale, then runs `next start`. Stale means the sources it is built
// from changed (a content hash of apps/web and the packages it bundles, plus this checkout's path,
// since server bundles hold absolute source paths). HOST and PORT choose the address
// (default 127.0.0.1:3000, or the next free port when 3000 is taken: see free-port.mjs). Off
// loopback, or with UNROLL_TOKEN set, the dashboard needs a token (src/server/token.mjs): this
// prints the URL that carries it and hands it to `next start` as UNROLL_TOKEN. `--build-only`
// builds when needed and exits; `--no-build` serves the existing build as it is
// (benchmarks/dashboard.ts builds first, then measures exactly that build even when a
// colleague's edit makes it stale in between).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { childEnv, dashboardHost, dashboardPort, dashboardToken, dataRootList } from "../src/env.mjs";
import { startBanner } from "../src/server/token.mjs";
import { choosePort } from "./free-port.mjs";

const app = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(dirname(app));
const stampFile = join(app, ".next", "unroll-build-hash");
const SKIP = new Set(["node_modules", ".next", "test-results", "playwright-report", "generated", ".turbo"]);

function files(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) files(p, out);
    else if (/\.(ts|tsx|js|mjs|cjs|css|json)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(p);
  }
  return out;
}

/** Content hash of everything the build reads from this repository. */
export function sourceHash() {
  const hash = createHash("sha256").update(root);
  const inputs = [
    join(app, "src"),
    ...["next.config.ts", "package.json", "tsconfig.json"].map((f) => join(app, f)),
    ...["api", "core", "db", "domain"].map((p) => join(root, "packages", p, "src")),
    join(root, "tooling", "layout"),
    join(root, "pnpm-lock.yaml"),
  ];
  for (const input of inputs) {
    const list = existsSync(input) && statSync(input).isDirectory() ? files(input).sort() : existsSync(input) ? [input] : [];
    for (const f of list) hash.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  }
  return hash.digest("hex");
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: app, stdio: "inherit", env });
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const nextBin = join(dirname(createRequire(join(app, "package.json")).resolve("next/package.json")), "dist", "bin", "next");
const env = childEnv({ NEXT_TELEMETRY_DISABLED: "1" });
const host = dashboardHost();

const hash = sourceHash();
const built = existsSync(join(app, ".next", "BUILD_ID")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
if (process.argv.includes("--no-build")) {
  if (!existsSync(join(app, ".next", "BUILD_ID"))) {
    console.error("dashboard: --no-build, but there is no build (.next/BUILD_ID); run without it to build");
    process.exit(1);
  }
  if (!built) console.error("dashboard: --no-build: serving the existing build although its sources changed since");
} else if (!built || process.argv.includes("--rebuild")) {
  console.error(
    `dashboard: ${existsSync(join(app, ".next", "BUILD_ID")) ? "sources changed, rebuilding" : "building"} (next build, about a minute on 2 cores)…`,
  );
  const started = Date.now();
  const code = await run(["build", "--webpack"], env);
  if (code !== 0) {
    console.error(`dashboard: next build failed (exit ${code}); see the output above`);
    process.exit(code);
  }
  writeFileSync(stampFile, hash);
  console.error(`dashboard: built in ${Math.round((Date.now() - started) / 1000)} s`);
}
if (process.argv.includes("--build-only")) process.exit(0);
const port = dashboardPort() ?? String(await choosePort(host, 3000));
if (!dashboardPort() && port !== "3000") console.error(`dashboard: port 3000 is taken (another checkout's dashboard?); using ${port}`);
const { token, lines } = startBanner({ host, port, userToken: dashboardToken(), machineName: hostname() });
for (const line of lines) console.error(line);
const roots = dataRootList();
console.error(
  roots.length
    ? `dashboard: runs launched here may read data files under ${roots.join(", ")} (UNROLL_DATA_ROOTS adds more)`
    : "dashboard: runs launched here may use named corpora only (set UNROLL_DATA_DIR or UNROLL_DATA_ROOTS to allow data files)",
);
if (token) env.UNROLL_TOKEN = token;
else delete env.UNROLL_TOKEN;
// Started by `unroll up` (detached): if that parent dies without stopping us, stop too, rather than
// keep the port.
const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 2000);
orphanCheck.unref();
process.exit(await run(["start", "--hostname", host, "--port", port], env));
