// The api over HTTP (the web app's /api/trpc route): tRPC's fetch adapter behind a limit on the
// request body, so that a 100 MB POST is answered 413 without being read into memory or queued.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "./root.js";
import type { Context } from "./trpc.js";

/** A request body may be this big: a config is a few KB, a sweep of 200 runs far less than this. */
export const MAX_REQUEST_BYTES = 2 ** 20;

export interface HttpOptions {
  /** Where the api is mounted, e.g. `/api/trpc`. */
  endpoint: string;
  /** `client`: who sent the request (see `clientOf`), for the context's per-client limits. */
  createContext(request: { client: string }): Context | Promise<Context>;
  onError?: Parameters<typeof fetchRequestHandler>[0]["onError"];
}

/** Answers one request; 413 with a message when the body is over MAX_REQUEST_BYTES. */
export async function handleTrpcRequest(req: Request, { endpoint, createContext, onError }: HttpOptions): Promise<Response> {
  let request = req;
  if (req.body) {
    const declared = Number(req.headers.get("content-length") ?? NaN);
    if (declared > MAX_REQUEST_BYTES) return tooLarge(req, endpoint, declared);
    const body = await readAtMost(req.body, MAX_REQUEST_BYTES);
    if (body === undefined) return tooLarge(req, endpoint, undefined);
    request = new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal });
  }
  const client = clientOf(req);
  return fetchRequestHandler({ endpoint, req: request, router: appRouter, createContext: () => createContext({ client }), onError });
}

/**
 * The client's address: the first `x-forwarded-for` entry, which `next start` sets from the
 * socket when the request has none (a reverse proxy sets it too). A client can send its own, so
 * this keys per-client limits for well-behaved clients; LIVE_LIMITS.total bounds the rest.
 */
export function clientOf(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
}

/** The whole body, or undefined as soon as it passes `limit` bytes (the rest is not read). */
async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** tRPC's error shape with HTTP 413; one entry per procedure for a batched request. */
function tooLarge(req: Request, endpoint: string, size: number | undefined): Response {
  const url = new URL(req.url);
  const paths = decodeURIComponent(url.pathname.slice(url.pathname.indexOf(endpoint) + endpoint.length).replace(/^\//, "")).split(",");
  const what = size !== undefined ? `${size.toLocaleString("en-US")} bytes` : `more than ${MAX_REQUEST_BYTES.toLocaleString("en-US")} bytes`;
  const message = `the request body is ${what}, over the ${MAX_REQUEST_BYTES / 2 ** 20} MiB this server accepts: send less (a config is a few KB; long texts belong in files the config names)`;
  const error = (path: string) => ({ error: { message, code: -32013, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, path, issues: null } } });
  const body = url.searchParams.get("batch") === "1" ? paths.map(error) : error(paths[0] ?? "");
  return new Response(JSON.stringify(body), { status: 413, headers: { "content-type": "application/json" } });
}
