// Starts the real stack the way a newcomer does (`unroll up`), on a temp UNROLL_HOME (a fresh
// embedded database), free ports, and the wasm backend; --no-demo, because the test launches its
// own tiny runs from the form. UNROLL_TOKEN is set, so loopback enforces the token too: the
// browser's cookie comes from a real `/?token=` visit and is every test's storage state
// (AUTH_STATE; auth.spec.ts starts without it). Returns the teardown: Ctrl-C, then a hard stop of
// `unroll up` and every process under it (its worker, dashboard and their children run in process
// groups of their own, so killing `up` alone would leave them running).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(dirname(web));
/** The browser storage state holding the dashboard's cookie (playwright.config.ts uses it). */
export const AUTH_STATE = join(web, "test-results", "e2e-auth.json");

/** Every process below `pid` (Linux: parents read from /proc/<pid>/stat), children first found first. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]); // after "(comm) state"
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) {
    const parent = i < 0 ? pid : out[i]!;
    for (const [child, ppid] of parentOf) if (ppid === parent) out.push(child);
  }
  return out;
}

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

async function waitFor(url: string, headers: Record<string, string>, timeoutMs: number, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = alive();
    if (dead) throw new Error(dead);
    try {
      const res = await fetch(url, { headers });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The cookie a browser gets for opening `/?token=`: the redirect's Set-Cookie, as Playwright stores it. */
async function tokenCookie(baseUrl: string, token: string) {
  const res = await fetch(`${baseUrl}/?token=${token}`, { redirect: "manual" });
  const set = res.headers.get("set-cookie");
  const pair = /^([^=;]+)=([^;]*)/.exec(set ?? "");
  if (res.status !== 303 || res.headers.get("location") !== "/" || !pair || !/HttpOnly/i.test(set!))
    throw new Error(`/?token= answered ${res.status}, Location ${res.headers.get("location")}, Set-Cookie ${set}`);
  return { name: pair[1]!, value: pair[2]!, domain: "127.0.0.1", path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Lax" as const };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const home = mkdtempSync(join(tmpdir(), "unroll-e2e-"));
  const [dbPort, webPort] = [await freePort(), await freePort()];
  const logDir = join(web, "test-results");
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, "stack.log"));
  const token = randomBytes(32).toString("base64url");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    UNROLL_TOKEN: token,
    UNROLL_HOME: home,
    UNROLL_DB_PORT: String(dbPort),
    PORT: String(webPort),
    HOST: "127.0.0.1",
    UNROLL_BACKEND: process.env.UNROLL_BACKEND ?? "wasm",
    NEXT_TELEMETRY_DISABLED: "1",
  };
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
  const stop = async () => {
    // Found now: once `up` exits, its children belong to init and can no longer be told apart.
    const below = up.pid === undefined ? [] : descendants(up.pid);
    const gone = up.exitCode !== null || up.signalCode !== null;
    if (!gone) up.kill("SIGINT");
    const stopped =
      gone ||
      (await Promise.race([new Promise<boolean>((r) => up.on("exit", () => r(true))), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]));
    if (!stopped) up.kill("SIGKILL");
    for (const pid of below) {
      try {
        process.kill(pid, "SIGKILL"); // still running after up's own stop (or up was killed)
      } catch {
        // already gone
      }
    }
  };
  try {
    // A first build of the dashboard takes a minute or more on 2 busy cores.
    await waitFor(`${baseUrl}/api/trpc/experiment.list`, { authorization: `Bearer ${token}` }, 480_000, () => exited);
  } catch (error) {
    await stop(); // no teardown runs after a failed setup: nothing of the stack may outlive it
    log.end();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  console.log(`e2e: stack up in ${((Date.now() - started) / 1000).toFixed(0)} s at ${baseUrl} (UNROLL_HOME ${home}; log test-results/stack.log)`);
  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_BACKEND = env.UNROLL_BACKEND; // what the run page must show the worker trained on
  process.env.E2E_TOKEN = token;
  process.env.E2E_DATABASE_URL = `postgresql://postgres@127.0.0.1:${dbPort}/postgres`; // the stack's embedded database, for specs that seed many runs
  writeFileSync(AUTH_STATE, JSON.stringify({ cookies: [await tokenCookie(baseUrl, token)], origins: [] }));

  return async () => {
    await stop();
    log.end();
    rmSync(home, { recursive: true, force: true });
  };
}
