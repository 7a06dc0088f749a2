// The one place @unroll/db reads the environment.
//
//   DATABASE_URL        a Postgres to use; unset -> the embedded PGlite under UNROLL_HOME
//   UNROLL_HOME         state directory, default <repo root>/.unroll
//   UNROLL_DB_PORT      port of the embedded server; unset: 54329, or a free port when that is taken
//   UNROLL_DB_CONNECT_TIMEOUT_MS  give up connecting after this long (default 10000)
//   UNROLL_DB_QUERY_TIMEOUT_MS    give up waiting for a statement's answer after this long (default 60000)
//   TEST_DATABASE_URL   server on which tests create throwaway databases
//   UNROLL_TEST_TARGETS "embedded,postgres" (default: both when the server answers)
//   UNROLL_KEEP_TEST_DB "1" keeps test databases for inspection
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { REPO_ROOT } from "@unroll/layout";

export const DEFAULT_EMBEDDED_PORT = 54329;
export const DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

function nonEmpty(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

function findUp(start: string, file: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, file))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The monorepo root: the nearest pnpm-workspace.yaml above cwd, else this checkout's (@unroll/layout). */
export function repoRoot(): string {
  return findUp(process.cwd(), "pnpm-workspace.yaml") ?? REPO_ROOT;
}

/** DATABASE_URL when set; undefined means "use the embedded database". */
export function databaseUrl(): string | undefined {
  return nonEmpty("DATABASE_URL");
}

export function unrollHome(): string {
  return resolve(nonEmpty("UNROLL_HOME") ?? join(repoRoot(), ".unroll"));
}

/** Data directory of the embedded PGlite. */
export function embeddedDataDir(): string {
  return join(unrollHome(), "pgdata");
}

/** The port UNROLL_DB_PORT forces for the embedded server; undefined: the default, or any free port. */
export function embeddedPortOverride(): number | undefined {
  const raw = nonEmpty("UNROLL_DB_PORT");
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`UNROLL_DB_PORT must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

function positiveMs(name: string, fallback: number): number {
  const raw = nonEmpty(name);
  if (raw === undefined) return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${name} must be a positive number of milliseconds, got "${raw}"`);
  return ms;
}

/**
 * Bounds on every wait for the database (pg's defaults wait forever: a blackholed server stalled
 * a worker inside a checkpoint write with no end). A statement that gets no answer in time fails
 * and its connection is dropped; the runner spools what it could not write and retries.
 */
export function databaseTimeouts(): { connectMs: number; queryMs: number } {
  return { connectMs: positiveMs("UNROLL_DB_CONNECT_TIMEOUT_MS", 10_000), queryMs: positiveMs("UNROLL_DB_QUERY_TIMEOUT_MS", 60_000) };
}

export function testDatabaseUrl(): string {
  return nonEmpty("TEST_DATABASE_URL") ?? DEFAULT_TEST_DATABASE_URL;
}

/** Targets requested with UNROLL_TEST_TARGETS, or undefined for "decide by reachability". */
export function testTargets(): string[] | undefined {
  const raw = nonEmpty("UNROLL_TEST_TARGETS");
  return raw
    ?.split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

export function keepTestDatabases(): boolean {
  return nonEmpty("UNROLL_KEEP_TEST_DB") === "1";
}
