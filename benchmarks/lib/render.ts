// The dashboard benchmark's browser half: serve the production build of apps/web against a
// database (apps/web/scripts/serve.mjs: builds first when the build is missing or stale), open the
// compare page in headless Chromium (Debian's, through playwright-core) and time each load from
// navigation start to the frame after the compare chart has every line drawn.
//
// Readiness: the chart (apps/web lines-chart.tsx) says how many lines it draws (data-lines: the
// paths with points). A MutationObserver installed before any page script runs checks, on every
// DOM change, that it draws all the runs and that as many `path[data-line-id]` elements have a
// real `d` (over 20 characters);
// the first time that holds it notes performance.now() (ms since navigation start), then the time
// after the next animation frame (the frame that paints it) is the figure.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { median, round } from "./common.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const serveScript = join(root, "apps", "web", "scripts", "serve.mjs");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
const LOAD_TIMEOUT_MS = 180_000;

export interface RenderOptions {
  databaseUrl: string;
  runIds: string[];
  /** Warm loads after the first (cold) one. */
  reps: number;
  screenshot: string;
  /** Where the dashboard server's output goes. */
  serverLog: string;
}

/** One page load, ms since navigation start. */
export interface Load {
  /** The frame after the chart had every line drawn. */
  ms: number;
  /** The DOM change that completed the chart. */
  domMs: number;
  /** The HTML document's response ended (the server streams the prefetched series in it). */
  htmlMs: number;
  /** The page (its scripts loaded and hydrated) sent its first tRPC request (the queries not prefetched); null when none went out before the chart was complete. */
  requestMs: number | null;
  /** The data was all there: the later of htmlMs and the last tRPC response before the chart was complete. */
  dataMs: number;
  /** ms - dataMs: what came after the data: drawing it (React, recharts, layout, paint), and hydrating the page when the data came first, in the HTML. */
  drawMs: number;
  /** Main-thread busy time over the whole load (Chromium's TaskDuration), and its script share. */
  taskMs: number;
  scriptMs: number;
  /** Long tasks (over 50 ms) after the data arrived, total ms. */
  longTasksAfterDataMs: number;
  /** tRPC requests and their response bodies' bytes (decoded). */
  trpcRequests: number;
  trpcBytes: number;
}

export interface RenderResult {
  /** Median of the warm loads' `ms`. */
  ms: number;
  coldMs: number;
  drawMs: number;
  coldDrawMs: number;
  dataMs: number;
  coldDataMs: number;
  /** Median first tRPC request time (warm loads that sent one): about what loading and hydrating the page costs. */
  requestMs: number | null;
  loads: Load[];
  buildSeconds: number;
  chromium: string;
  screenshot: string;
}

// Runs in the page before its own scripts (a string: benchmarks type-check without the DOM lib).
export const INIT_SCRIPT = (series: number) => `(() => {
  const state = { series: ${series}, domMs: 0, ms: 0, longTasks: [] };
  window.__unrollBench = state;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) state.longTasks.push([e.startTime, e.duration]); }).observe({ type: "longtask", buffered: true });
  } catch {}
  const complete = () => {
    const chart = document.querySelector('[data-testid="compare-chart"]');
    if (!chart || Number(chart.getAttribute("data-lines")) !== state.series) return false;
    let drawn = 0;
    for (const p of chart.querySelectorAll("path[data-line-id]")) if ((p.getAttribute("d") || "").length > 20) drawn++;
    return drawn >= state.series;
  };
  const observer = new MutationObserver(() => {
    if (!complete()) return;
    state.domMs = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => (state.ms = performance.now()), 0));
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true });
})()`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 1);
    else child.once("exit", (code) => resolve(code ?? 1));
  });
}

/** `serve.mjs --build-only` at the lowest priority (a no-op when the build is fresh); seconds. */
export async function build(log: NodeJS.WritableStream): Promise<number> {
  const t0 = performance.now();
  const child = spawn("nice", ["-n", "19", process.execPath, serveScript, "--build-only"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const code = await exited(child);
  if (code !== 0) throw new Error(`apps/web build failed (exit ${code}); see the server log`);
  return (performance.now() - t0) / 1000;
}

/** `next start` through serve.mjs on a free port, against databaseUrl, of the build just made (never rebuilds); resolves when it answers. */
export async function serve(databaseUrl: string, log: NodeJS.WritableStream): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  // Its own process group, so that stop() reaches next start (serve.mjs's child) too.
  const child = spawn(process.execPath, [serveScript, "--no-build"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      UNROLL_TOKEN: "" /* open on loopback: the measured page loads need no token */,
      NEXT_TELEMETRY_DISABLED: "1",
    },
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const done = exited(child);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, "SIGTERM");
    const stopped = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!stopped) process.kill(-child.pid!, "SIGKILL");
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the dashboard server exited (${child.exitCode}) before answering; see the server log`);
    // Any answer will do (a 404 page): this must not touch the database or the compare route.
    const up = await fetch(`${url}/__benchmark-ready`).then(
      () => true,
      () => false,
    );
    if (up) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the dashboard server did not answer at ${url} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface PageState {
  domMs: number;
  ms: number;
  longTasks: [number, number][];
  html: number;
  trpc: { start: number; end: number; bytes: number }[];
}

async function load(page: Page, url: string): Promise<Load> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction("window.__unrollBench && window.__unrollBench.ms > 0", undefined, { timeout: LOAD_TIMEOUT_MS, polling: 50 });
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  const s = (await page.evaluate(`(() => {
    const b = window.__unrollBench;
    const nav = performance.getEntriesByType("navigation")[0];
    const trpc = performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/trpc/")).map((e) => ({ start: e.startTime, end: e.responseEnd, bytes: e.decodedBodySize }));
    return { domMs: b.domMs, ms: b.ms, longTasks: b.longTasks, html: nav ? nav.responseEnd : 0, trpc };
  })()`)) as PageState;
  await cdp.detach();
  const before = s.trpc.filter((r) => r.end <= s.domMs);
  const dataMs = Math.max(s.html, ...before.map((r) => r.end));
  return {
    ms: round(s.ms),
    domMs: round(s.domMs),
    htmlMs: round(s.html),
    requestMs: before.length ? round(Math.min(...before.map((r) => r.start))) : null,
    dataMs: round(dataMs),
    drawMs: round(s.ms - dataMs),
    taskMs: round(metric("TaskDuration")),
    scriptMs: round(metric("ScriptDuration")),
    longTasksAfterDataMs: round(s.longTasks.filter(([start]) => start >= dataMs).reduce((a, [, d]) => a + d, 0)),
    trpcRequests: before.length,
    trpcBytes: before.reduce((a, r) => a + r.bytes, 0),
  };
}

/** Cold load (server just started, empty browser cache), then `reps` warm loads, each in a new page. */
export async function measureCompareRender(options: RenderOptions): Promise<RenderResult> {
  mkdirSync(dirname(options.serverLog), { recursive: true });
  mkdirSync(dirname(options.screenshot), { recursive: true });
  const log = createWriteStream(options.serverLog);
  try {
    const buildSeconds = await build(log);
    const server = await serve(options.databaseUrl, log);
    try {
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
      try {
        const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
        await context.addInitScript(INIT_SCRIPT(options.runIds.length));
        const url = `${server.url}/compare?ids=${options.runIds.join(",")}`;
        const loads: Load[] = [];
        for (let r = 0; r <= options.reps; r++) {
          const page = await context.newPage();
          loads.push(await load(page, url));
          const l = loads.at(-1)!;
          console.log(
            `  compare page ${r === 0 ? "cold" : `warm ${r}`}: chart drawn at ${l.ms} ms (HTML with the series ended ${l.htmlMs} ms, ${l.requestMs === null ? "no tRPC request before" : `tRPC request sent ${l.requestMs} ms`}, data all there ${l.dataMs} ms, then ${l.drawMs} ms)`,
          );
          if (r === options.reps) await page.locator('[data-testid="compare-chart"]').screenshot({ path: options.screenshot });
          await page.close();
        }
        const [cold, ...warm] = loads as [Load, ...Load[]];
        const med = (f: (l: Load) => number) => round(median((warm.length ? warm : [cold]).map(f)));
        return {
          ms: med((l) => l.ms),
          coldMs: cold.ms,
          drawMs: med((l) => l.drawMs),
          coldDrawMs: cold.drawMs,
          dataMs: med((l) => l.dataMs),
          coldDataMs: cold.dataMs,
          requestMs: warm.some((l) => l.requestMs !== null) ? round(median(warm.flatMap((l) => (l.requestMs === null ? [] : [l.requestMs])))) : null,
          loads,
          buildSeconds: round(buildSeconds),
          chromium: browser.version(),
          screenshot: options.screenshot,
        };
      } finally {
        await browser.close();
      }
    } finally {
      await server.stop();
    }
  } finally {
    log.end();
  }
}
