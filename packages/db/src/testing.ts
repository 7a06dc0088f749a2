// @unroll/db/testing: a fresh, migrated database per test file, on a real Postgres or on the
// embedded PGlite, so db, runner and api suites run the same tests against both.
//
//   const targets = await testTargets();               // from UNROLL_TEST_TARGETS or reachability
//   describe.each(targets)("%s", (target) => {
//     let t: TestDatabase;
//     beforeAll(async () => { t = await createTestDatabase(target); });
//     afterAll(() => t.close());
//     ...
//   });
//
// postgres: CREATE DATABASE unroll_test_<random> on TEST_DATABASE_URL (default
//   postgresql://postgres@127.0.0.1:5432/postgres), dropped on close unless UNROLL_KEEP_TEST_DB=1.
// embedded: a PGlite data directory in a temp dir (copied from a cached, already migrated template
//   so a test file does not pay initdb), served on a free port by this process.
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createDb, type Db } from "./client.js";
import { pgliteClusterTemplate, startEmbedded, type EmbeddedServer } from "./embedded.js";
import { keepTestDatabases, testDatabaseUrl, testTargets as requestedTargets } from "./env.js";
import { applyMigrations } from "./migrate/apply.js";
import { readMigrations } from "./migrate/files.js";

export type TestTarget = "postgres" | "embedded";
export const TEST_TARGETS: readonly TestTarget[] = ["embedded", "postgres"];

export interface TestDatabase {
  target: TestTarget;
  url: string;
  db: Db;
  /** Embedded only: the data directory (e.g. to restart it). */
  dataDir?: string;
  /** Closes the client and drops the database (kept with UNROLL_KEEP_TEST_DB=1). */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply the committed migrations (default true); false gives an empty database. */
  migrate?: boolean;
}

export async function postgresReachable(url = testDatabaseUrl()): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let warned = false;

/** UNROLL_TEST_TARGETS, or both targets when the test Postgres answers, else embedded only (with a notice). */
export async function testTargets(): Promise<TestTarget[]> {
  const requested = requestedTargets();
  if (requested) {
    const unknown = requested.filter((t) => !TEST_TARGETS.includes(t as TestTarget));
    if (unknown.length) throw new Error(`UNROLL_TEST_TARGETS: unknown target(s) ${unknown.join(", ")}; use embedded,postgres`);
    return requested as TestTarget[];
  }
  if (await postgresReachable()) return ["embedded", "postgres"];
  if (!warned) {
    warned = true;
    console.warn(
      `\n*** NOTICE: no Postgres at ${testDatabaseUrl()}: running database tests against the embedded PGlite only. ` +
        `Set TEST_DATABASE_URL or start one (docker compose up -d db). ***\n`,
    );
  }
  return ["embedded"];
}

export async function createTestDatabase(target: TestTarget, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  return target === "postgres" ? createPostgresDatabase(options) : createEmbeddedDatabase(options);
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createPostgresDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const name = `unroll_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(testDatabaseUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  if (options.migrate ?? true) await applyMigrations(url);
  const db = await createDb({ url, max: 5 });
  return {
    target: "postgres",
    url,
    db,
    close: async () => {
      await db.close();
      if (keepTestDatabases()) {
        console.log(`kept test database ${url}`);
        return;
      }
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/**
 * A cleanly shut down PGlite data directory (migrated, or empty) to copy from: initdb takes
 * seconds, a copy does not. Cached in the OS temp dir, keyed by the migrations' checksums.
 */
export async function embeddedTemplateDir(migrate = true): Promise<string> {
  const key = migrate
    ? createHash("sha256")
        .update(
          readMigrations()
            .map((m) => `${m.name}:${m.checksum}`)
            .join("\n"),
        )
        .digest("hex")
        .slice(0, 16)
    : "empty";
  const dir = join(tmpdir(), `unroll-pglite-template-${key}`);
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  const building = join(tmpdir(), `unroll-pglite-template-${key}.${process.pid}.${randomBytes(4).toString("hex")}`);
  cpSync(await pgliteClusterTemplate(), building, { recursive: true });
  const server = await startEmbedded({ dataDir: building, port: 0 });
  try {
    if (migrate) await applyMigrations(server.url);
  } finally {
    await server.stop();
  }
  try {
    renameSync(building, dir); // atomic publish; another worker may have won the race
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

async function createEmbeddedDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const home = mkdtempSync(join(tmpdir(), "unroll-test-"));
  const dataDir = join(home, "pgdata");
  cpSync(await embeddedTemplateDir(options.migrate ?? true), dataDir, { recursive: true });
  const server: EmbeddedServer = await startEmbedded({ dataDir, port: 0 });
  const db = await createDb({ url: server.url, max: 5 });
  return {
    target: "embedded",
    url: server.url,
    db,
    dataDir,
    close: async () => {
      await db.close();
      await server.stop();
      if (keepTestDatabases()) {
        console.log(`kept test data directory ${dataDir}`);
        return;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
