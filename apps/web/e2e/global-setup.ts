// Starts the real stack the way a newcomer does (`unroll up`), on a temp UNROLL_HOME (a fresh
// embedded database), free ports, and the wasm backend; --no-demo, because the test launches its
// own tiny runs from the form. Returns the teardown (Ctrl-C, then a hard stop).
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(dirname(web));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs: number, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive();
    if (dead) throw new Error(dead);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), "unroll-e2e-"));
  const [dbPort, webPort] = [await freePort(), await freePort()];
  const logDir = join(web, "test-results");
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, "stack.log"));
  const env: NodeJS.ProcessEnv = { ...process.env, UNROLL_HOME: home, UNROLL_DB_PORT: String(dbPort), PORT: String(webPort), HOST: "127.0.0.1", UNROLL_BACKEND: process.env.UNROLL_BACKEND ?? "wasm", NEXT_TELEMETRY_DISABLED: "1" };
  delete env.DATABASE_URL; // the embedded default, fresh in UNROLL_HOME
  const started = Date.now();
  const up = spawn(process.execPath, [join(root, "packages/runner/bin/unroll.js"), "up", "--no-demo"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    output = (output + chunk.toString()).slice(-4000);
  };
  up.stdout.on("data", keep);
  up.stderr.on("data", keep);
  let exited: string | undefined;
  up.on("exit", (code, signal) => (exited = `unroll up exited (${code ?? signal}) before the dashboard answered:\n${output}`));

  const baseUrl = `http://127.0.0.1:${webPort}`;
  await waitFor(`${baseUrl}/api/trpc/experiment.list`, 240_000, () => exited);
  console.log(`e2e: stack up in ${((Date.now() - started) / 1000).toFixed(0)} s at ${baseUrl} (UNROLL_HOME ${home}; log test-results/stack.log)`);
  process.env.E2E_BASE_URL = baseUrl;

  return async () => {
    up.kill("SIGINT");
    const stopped = await Promise.race([new Promise<boolean>((r) => up.on("exit", () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!stopped) {
      // unroll up's children are detached (own process groups): stop what is left hard.
      up.kill("SIGKILL");
    }
    log.end();
    rmSync(home, { recursive: true, force: true });
  };
}
