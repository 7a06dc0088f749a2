// The one place the dashboard (scripts/serve.mjs and the Next server) reads the environment.
//
//   HOST          address `next start` binds, default 127.0.0.1
//   PORT          its port; unset: 3000, or the next free one (scripts/free-port.mjs)
//   UNROLL_TOKEN  the dashboard's access token. serve.mjs reads the user's value; when unset and
//                 HOST is not loopback it generates one, and passes the effective token to the
//                 Next server in this same variable, where the request gate (src/proxy.ts) reads it.

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
