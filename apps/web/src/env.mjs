// The one place the dashboard (its scripts, the Next server, the browser tests' config) reads the environment.
//
//   HOST          address `next start` binds, default 127.0.0.1
//   PORT          its port; unset: 3000, or the next free one (scripts/free-port.mjs)
//   UNROLL_TOKEN  the dashboard's access token. serve.mjs reads the user's value; when unset and
//                 HOST is not loopback it generates one, and passes the effective token to the
//                 Next server in this same variable, where the request gate (src/proxy.ts) reads it.
//   UNROLL_DATA_DIR    the data directory (`unroll up` passes the one it found); runs launched
//                      from the dashboard may read data files under it
//   UNROLL_DATA_ROOTS  more directories they may read from, separated by ":" (as in PATH)
//   CHROMIUM_PATH      the browser the end-to-end tests drive, default /usr/bin/chromium

import { delimiter } from "node:path";
import process from "node:process";

function nonEmpty(name) {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

export function dashboardHost() {
  return nonEmpty("HOST") ?? "127.0.0.1";
}

export function dashboardPort() {
  return nonEmpty("PORT");
}

export function dashboardToken() {
  return nonEmpty("UNROLL_TOKEN");
}

/** The environment a child process (next build, next start, playwright) gets: this one's, with `set` on top. */
export function childEnv(set = {}) {
  return { ...process.env, ...set };
}

/** CHROMIUM_PATH, default /usr/bin/chromium; `given` says whether it was set. */
export function chromiumPath() {
  const given = nonEmpty("CHROMIUM_PATH");
  return { path: given ?? "/usr/bin/chromium", given: given !== undefined };
}

/** The directories runs launched from the dashboard may read: the data directory, then UNROLL_DATA_ROOTS. */
export function dataRootList() {
  const extra = (nonEmpty("UNROLL_DATA_ROOTS") ?? "")
    .split(delimiter)
    .map((d) => d.trim())
    .filter(Boolean);
  return [nonEmpty("UNROLL_DATA_DIR"), ...extra].filter(Boolean);
}
