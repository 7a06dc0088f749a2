// The dashboard's token rule, shared by scripts/serve.mjs (which token, if any, at start) and the
// request gate (server/gate.ts): plain JavaScript so that serve.mjs runs it without a build.
//
// Off loopback a token is required: UNROLL_TOKEN, else a fresh random one. On loopback it is
// required only when UNROLL_TOKEN is set. A browser brings it once as `?token=` and then holds it
// in a cookie; API clients send `Authorization: Bearer <token>`.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** True for loopback addresses and names: 127.0.0.0/8, ::1 (also [::1], ::ffff:127.x), localhost. */
export function isLoopback(host) {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (h.startsWith("::ffff:")) h = h.slice(7);
  const parts = h.split(".");
  return parts.length === 4 && parts[0] === "127" && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** 32 random bytes, base64url (43 characters). */
export function newToken() {
  return randomBytes(32).toString("base64url");
}

/**
 * The token the dashboard enforces when it binds `host`: `userToken` (UNROLL_TOKEN) when set,
 * else a generated one unless `host` is loopback (then none: no token anywhere).
 */
export function startupToken(host, userToken) {
  if (userToken) return { token: userToken, generated: false };
  if (isLoopback(host)) return { token: undefined, generated: false };
  return { token: newToken(), generated: true };
}

const digest = (s) => createHash("sha256").update(s, "utf8").digest();

/** Constant-time: `given` equals `expected` (both hashed first, so lengths never leak). */
export function tokenMatches(given, expected) {
  if (!given || !expected) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie holding the token; per port, since cookies ignore ports and two dashboards may share a host. */
export function cookieName(port) {
  return `unroll_token_${port}`;
}

/** The value of cookie `name` in a Cookie header, undefined when absent or undecodable. */
export function readCookie(header, name) {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `http://host:port/`, with `?token=` when there is one; IPv6 hosts in brackets. */
export function dashboardUrl(host, port, token) {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${h}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

/**
 * What serve.mjs prints at start and passes on: the effective token and the lines to print. A
 * wildcard bind (0.0.0.0, ::) is shown as this machine's name and as 127.0.0.1, as Jupyter does.
 */
export function startBanner({ host, port, userToken, machineName }) {
  const { token, generated } = startupToken(host, userToken);
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]";
  const hosts = wildcard ? [machineName, "127.0.0.1"] : [host];
  const lines = hosts.map((h) => `dashboard: ${dashboardUrl(h, port, token)}`);
  if (generated)
    lines.push(
      "dashboard: not on loopback, so a token is required: open the URL above (set UNROLL_TOKEN to choose it), or bind 127.0.0.1 and use `ssh -L 3000:127.0.0.1:3000 user@this-box`",
    );
  else if (token) lines.push("dashboard: UNROLL_TOKEN is set, so every request needs it (the URL above, or `Authorization: Bearer <token>`)");
  return { token, lines };
}
