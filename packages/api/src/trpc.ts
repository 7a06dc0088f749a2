// tRPC setup (anchor: create-t3-turbo packages/api/src/trpc.ts): the context every procedure
// gets, error formatting, and the one place where domain errors become tRPC codes.
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { RunInputError, type Db } from "@unroll/db";
import { ConflictError, InvalidConfigError, NotFoundError, UnsupportedError } from "./errors.js";
import { ConfigError } from "@unroll/core/config";
import type { ConfigIssue } from "@unroll/domain";
import { InferenceService } from "./inference.js";
import { LiveLimitError, PROCESS_SUBSCRIBERS, type LiveSubscribers } from "./live-limits.js";
import { CursorError } from "./run-query.js";
import { RunSetError } from "./run-sets.js";
import { describeInputIssues, isZodError, pathOf } from "./input-issues.js";

export interface Context {
  db: Pick<Db, "prisma" | "pool">;
  inference: InferenceService;
  /** How often live subscriptions poll the database (ms). */
  pollMs: number;
  /**
   * The only directories that runs launched here may read data files from (real paths; see
   * `dataRoots` in @unroll/core/data-files). Named corpora are always allowed.
   */
  dataRoots: readonly string[];
  /** Who sent the request (the client's address, as far as the server knows), for per-client limits. */
  client: string;
  /** The live streams open in this server process. */
  live: LiveSubscribers;
}

export interface ContextOptions {
  db: Pick<Db, "prisma" | "pool">;
  inference?: InferenceService;
  pollMs?: number;
  /** Default: none (runs may use named corpora only). */
  dataRoots?: readonly string[];
  client?: string;
  live?: LiveSubscribers;
}

export function createTRPCContext(options: ContextOptions): Context {
  return {
    db: options.db,
    inference: options.inference ?? new InferenceService(),
    pollMs: options.pollMs ?? 1000,
    dataRoots: options.dataRoots ?? [],
    client: options.client ?? "local",
    live: options.live ?? PROCESS_SUBSCRIBERS,
  };
}

/** Domain error -> tRPC code. Anything not listed stays INTERNAL_SERVER_ERROR with its message. */
function codeFor(error: unknown): TRPC_ERROR_CODE_KEY | undefined {
  if (error instanceof InvalidConfigError) return "BAD_REQUEST";
  if (error instanceof RunInputError) return "BAD_REQUEST";
  if (error instanceof RunSetError || error instanceof CursorError) return "BAD_REQUEST";
  if (error instanceof NotFoundError) return "NOT_FOUND";
  if (error instanceof ConflictError) return "CONFLICT";
  if (error instanceof UnsupportedError) return "PRECONDITION_FAILED";
  if (error instanceof LiveLimitError) return "TOO_MANY_REQUESTS";
  if (error instanceof ConfigError) return "BAD_REQUEST"; // core's, from its browser-safe entry (the rest of core stays lazy-loaded)
  if (isPrismaNotFound(error)) return "NOT_FOUND";
  return undefined;
}

function isPrismaNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2025";
}

/** The message sent for a mapped error: Prisma's own text names its internals, not the request. */
function messageFor(error: unknown): string {
  if (isPrismaNotFound(error)) return "the record this request names does not exist; it may have been deleted (reload the list)";
  return (error as Error).message;
}

/** Field-level issues carried by an error: from our config checks or from zod input validation. */
function issuesOf(cause: unknown): ConfigIssue[] | null {
  if (cause instanceof InvalidConfigError) return cause.issues;
  if (cause instanceof RunInputError) return [{ path: cause.path, message: cause.message.replace(`${cause.path}: `, "") }];
  if (cause instanceof ConfigError) {
    const path = cause.path ?? "";
    return [{ path, message: cause.message.replace(`${path}: `, "") }];
  }
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (Array.isArray(issues)) {
    return issues.map((i: { path?: readonly PropertyKey[]; message?: string }) => ({ path: pathOf(i.path ?? []), message: i.message ?? "invalid" }));
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return { ...shape, data: { ...shape.data, issues: issuesOf(error.cause) } };
  },
  sse: {
    ping: { enabled: true, intervalMs: 5_000 },
    client: { reconnectAfterInactivityMs: 15_000 },
  },
});

const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause ?? result.error;
  // Input that fails its schema: one line per field instead of zod's JSON dump.
  if (result.error.code === "BAD_REQUEST" && isZodError(cause)) {
    return { ...result, error: new TRPCError({ code: "BAD_REQUEST", message: describeInputIssues(cause.issues), cause: cause as unknown as Error }) };
  }
  const code = result.error.code === "INTERNAL_SERVER_ERROR" ? codeFor(cause) : undefined;
  if (!code) return result;
  return { ...result, error: new TRPCError({ code, message: messageFor(cause), cause: cause as Error }) };
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);
