// The request gate (run by src/proxy.ts before every route): with no token configured every
// request passes, as on a plain loopback start. With one, a request passes when it brings the
// token as `Authorization: Bearer <token>`, in the cookie, or as `?token=` (a page visit with a
// valid `?token=` is redirected to the same URL without it, setting the cookie). Anything else
// gets 401: JSON under /api/ (tRPC and its server-sent events), the token page elsewhere.
import { NextResponse, type NextRequest } from "next/server";
import { cookieName, readCookie, tokenMatches } from "./token.mjs";
import { tokenPage } from "./token-page";

// 30 days; a generated token changes at every start, which makes an old cookie useless anyway.
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

function bearer(req: NextRequest): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "");
  return m?.[1]?.trim();
}

function deny(req: NextRequest, wrong: boolean): Response {
  const headers = { "cache-control": "no-store", "www-authenticate": 'Bearer realm="unroll"' };
  if (req.nextUrl.pathname.startsWith("/api/")) {
    const message = wrong ? "wrong token" : "token required: send Authorization: Bearer <token>, or open the dashboard's ?token= URL first";
    return Response.json({ error: { message, code: -32001, data: { code: "UNAUTHORIZED", httpStatus: 401 } } }, { status: 401, headers });
  }
  return new Response(tokenPage(wrong), { status: 401, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
}

export function gate(req: NextRequest, token: string | undefined): Response {
  if (!token) return NextResponse.next();
  const url = req.nextUrl;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const name = cookieName(port);
  const query = url.searchParams.get("token");
  const page = !url.pathname.startsWith("/api/") && (req.method === "GET" || req.method === "HEAD");
  const held = tokenMatches(bearer(req), token) || tokenMatches(readCookie(req.headers.get("cookie"), name), token);
  if (held && !(page && query !== null)) return NextResponse.next();
  if (query === null) return deny(req, false);
  if (!tokenMatches(query, token)) return held ? NextResponse.next() : deny(req, true);
  if (!page) return NextResponse.next();
  const clean = url.clone();
  clean.searchParams.delete("token");
  const res = NextResponse.redirect(clean, 303);
  // SameSite=Lax, not Strict: a Strict cookie set on a navigation that began on another site (the
  // printed URL clicked in a web chat) is not sent on the redirect that follows, so that first
  // visit would land on the token page. Lax still keeps it off every cross-site POST (all tRPC
  // mutations) and cross-site fetch; cross-site GETs reach only side-effect-free queries.
  const secure = url.protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  res.headers.append(
    "set-cookie",
    `${name}=${encodeURIComponent(token)}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
  );
  res.headers.set("cache-control", "no-store");
  return res;
}
