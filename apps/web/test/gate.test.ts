// The request gate (src/server/gate.ts, run by src/proxy.ts) on real NextRequests: 401 without
// the token (JSON for tRPC and its SSE, the token page for pages), pass-through with the bearer
// header or the cookie, and `?token=` trading the query for a cookie.
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { gate } from "../src/server/gate";

const TOKEN = "t0ken-for-tests_0123456789abcdefghijklmnopqrstu";
const BASE = "http://192.168.1.20:3000";
const req = (path: string, headers: Record<string, string> = {}, method = "GET") => new NextRequest(`${BASE}${path}`, { headers, method });
const passes = (res: Response) => res.headers.get("x-middleware-next") === "1";
const SSE = "/api/trpc/live.run?input=%7B%22id%22%3A%22x%22%7D";

describe("gate", () => {
  it("no token configured: everything passes, as on a plain loopback start", () => {
    for (const path of ["/", "/api/trpc/run.list", SSE]) expect(passes(gate(req(path), undefined))).toBe(true);
  });

  it("401 JSON for the api (tRPC and SSE) without a token or with a wrong one", async () => {
    for (const path of ["/api/trpc/run.list", SSE, "/api/trpc/run.delete"]) {
      const res = gate(req(path, {}, path.endsWith("delete") ? "POST" : "GET"), TOKEN);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(((await res.json()) as { error: { data: { code: string } } }).error.data.code).toBe("UNAUTHORIZED");
    }
    expect(gate(req("/api/trpc/run.list", { authorization: "Bearer nope" }), TOKEN).status).toBe(401);
    expect(gate(req("/api/trpc/run.list", { cookie: "unroll_token_3000=nope" }), TOKEN).status).toBe(401);
    expect(gate(req("/api/trpc/run.list?token=nope"), TOKEN).status).toBe(401);
  });

  it("the token page (401 HTML) for pages, saying how to get in", async () => {
    const res = gate(req("/"), TOKEN);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Token required");
    expect(html).toContain("?token=");
    expect(html).toContain("UNROLL_TOKEN");
    expect(html).toContain("ssh -L 3000:127.0.0.1:3000 user@gpu-box");
    expect(html).not.toContain(TOKEN);
    expect(await gate(req("/runs/abc?token=wrong"), TOKEN).text()).toContain("That token is wrong");
  });

  it("passes with Authorization: Bearer or with the cookie", () => {
    for (const path of ["/", "/api/trpc/run.list", SSE]) {
      expect(passes(gate(req(path, { authorization: `Bearer ${TOKEN}` }), TOKEN))).toBe(true);
      expect(passes(gate(req(path, { cookie: `other=1; unroll_token_3000=${TOKEN}` }), TOKEN))).toBe(true);
    }
    expect(passes(gate(req("/api/trpc/run.delete", { authorization: `bearer ${TOKEN}` }, "POST"), TOKEN))).toBe(true);
    // The cookie is per port: another dashboard's on this host does not count.
    expect(gate(req("/", { cookie: `unroll_token_3001=${TOKEN}` }), TOKEN).status).toBe(401);
  });

  it("a page with a valid ?token= redirects to the same URL without it and sets the cookie", () => {
    for (const cookie of [undefined, `unroll_token_3000=${TOKEN}`]) {
      const res = gate(req(`/runs/abc?tab=samples&token=${TOKEN}`, cookie ? { cookie } : {}), TOKEN);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`${BASE}/runs/abc?tab=samples`);
      const setCookie = res.headers.get("set-cookie")!;
      expect(setCookie).toContain(`unroll_token_3000=${TOKEN}`);
      expect(setCookie).toContain("HttpOnly");
      expect(setCookie).toContain("SameSite=Lax");
      expect(setCookie).toContain("Path=/");
      expect(setCookie).not.toContain("Secure");
    }
    const root = gate(req(`/?token=${TOKEN}`), TOKEN);
    expect(root.headers.get("location")).toBe(`${BASE}/`);
    expect(gate(req(`/?token=${TOKEN}`, { "x-forwarded-proto": "https" }), TOKEN).headers.get("set-cookie")).toContain("Secure");
  });

  it("an api request with a valid ?token= passes without a redirect", () => {
    expect(passes(gate(req(`/api/trpc/run.list?token=${TOKEN}`), TOKEN))).toBe(true);
  });
});
