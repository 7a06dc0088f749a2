// The embedded default: PGlite (Postgres compiled to Wasm) with its data in <UNROLL_HOME>/pgdata,
// served on the Postgres wire protocol by ONE process, so every other process (web, runner, psql,
// tests) connects with an ordinary postgresql:// URL, exactly as to a real server.
//
// PGlite has no data-directory lock and two processes opening one directory corrupt it silently,
// hence <dataDir>/unroll.lock ({pid, port, url, started}), created atomically (open "wx").
// The first process that needs the database and finds no live owner becomes the owner and serves
// it in-process until it exits; later processes connect to it. For long sessions run
// `unroll-db serve` first so the owner outlives the apps.
//
// Semantics of the served database (PGlite is a single Postgres backend; wire-server.ts lets the
// clients take turns on it):
// - clients are serialised: a statement (a simple query, or an extended-protocol batch up to its
//   Sync) runs whole, and while one client has a transaction open (or a batch paused on Flush),
//   other clients' statements, and new connections, wait until it ends. Keep transactions short.
//   A client that disconnects mid-transaction is rolled back.
// - `FOR UPDATE SKIP LOCKED` works trivially: no two transactions ever run at once, so nothing is
//   ever locked by another transaction (the second claimer simply runs after the first committed).
// - session state is SHARED by all clients: advisory locks (pg_advisory_lock and
//   pg_try_advisory_lock succeed for everyone), SET, temp tables, named prepared statements,
//   LISTEN (a notification reaches whichever client's statement is running, not the listener).
//   Transaction-scoped locks still exclude because transactions are serialised.
// - one database only (connect to any database name, you get the same one).
// - no COPY FROM STDIN (it fails with an error; COPY TO STDOUT works), no query cancellation.
import { randomBytes } from "node:crypto";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { DEFAULT_EMBEDDED_PORT, databaseUrl, embeddedDataDir, embeddedPortOverride } from "./env.js";
import { PGliteWireServer } from "./wire-server.js";

export const LOCK_FILE = "unroll.lock";
/** Keys cached PGlite data directories: a new PGlite may not open an older one's files. */
const PGLITE_VERSION = "0.5.14";
const HOST = "127.0.0.1";
/** Connections the server accepts at once. */
const MAX_CONNECTIONS = 100;

export interface LockInfo {
  pid: number;
  port: number;
  host: string;
  url: string;
  /** ISO time the owner took the lock. */
  started: string;
  /** false while the owner is still opening PGlite (initdb takes seconds on first open). */
  ready: boolean;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly lock: LockInfo,
  ) {
    super(
      `The embedded database in ${dataDir} is already open in process ${lock.pid} ` +
        `(since ${lock.started}); PGlite must not be opened by two processes. ` +
        `Connect to ${lock.url} instead (e.g. DATABASE_URL=${lock.url}), or stop process ${lock.pid}. ` +
        `(If process ${lock.pid} is not an unroll process, its pid was reused after a crash: delete ${join(dataDir, LOCK_FILE)}.)`,
    );
    this.name = "DataDirInUseError";
  }
}

export function embeddedUrl(port: number, host = HOST): string {
  return `postgresql://postgres@${host}:${port}/postgres`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock file's content, or undefined when there is none or it is not (yet) readable. */
export function readLock(dataDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8")) as LockInfo;
    return typeof info.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function writeLock(dataDir: string, info: LockInfo): void {
  const tmp = join(dataDir, `${LOCK_FILE}.${process.pid}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dataDir, LOCK_FILE)); // atomic replace of our own lock
}

/** Remove a lock that belongs to a dead process, guarded so two processes cannot both take it over. */
function removeStaleLock(dataDir: string, stale: LockInfo | undefined): void {
  const path = join(dataDir, LOCK_FILE);
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (ageMs(guard) > 10_000) unlinkSync(guard); // left by a process that died mid-takeover
    return; // someone else is taking over: the caller retries
  }
  try {
    const current = readLock(dataDir);
    const unchanged = stale ? current?.pid === stale.pid && current.started === stale.started : current === undefined;
    if (unchanged) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

/** Take <dataDir>/unroll.lock or throw DataDirInUseError naming the live owner. */
export async function acquireLock(dataDir: string, info: LockInfo): Promise<void> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, JSON.stringify(info));
      } finally {
        closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const current = readLock(dataDir);
    if (current && (current.pid === process.pid || pidAlive(current.pid))) {
      throw new DataDirInUseError(dataDir, current);
    }
    if (!current && ageMs(path) < 2_000) {
      await sleep(50); // being written by its new owner
      continue;
    }
    if (current && attempt === 0) {
      // Its owner died without closing PGlite (kill -9, a crash, power loss): say so once.
      console.warn(
        `@unroll/db: the embedded database in ${dataDir} was not stopped cleanly (its owner, process ${current.pid} since ${current.started}, is gone); ` +
          "opening it again: PGlite recovers from its write-ahead log, and anything that process had not yet written is lost or waits in its spool",
      );
    }
    removeStaleLock(dataDir, current);
    await sleep(attempt === 0 ? 0 : 20);
  }
  throw new Error(`could not take the lock ${path}; remove it if no process uses ${dataDir}`);
}

function releaseLock(dataDir: string): void {
  try {
    if (readLock(dataDir)?.pid === process.pid) unlinkSync(join(dataDir, LOCK_FILE));
  } catch {
    // already gone
  }
}

export interface EmbeddedServer {
  url: string;
  port: number;
  dataDir: string;
  db: PGlite;
  /** Stop serving, close PGlite (flushes) and remove the lock. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Default <UNROLL_HOME>/pgdata; "memory://" for a throwaway in-memory database (no lock). */
  dataDir?: string;
  /**
   * A port to serve on, taken or failing (0 picks a free port). Default: UNROLL_DB_PORT when set,
   * else 54329, or a free port when 54329 is taken (another checkout's server, say): clients find
   * the port in the lock file, so nobody needs to know it.
   */
  port?: number;
}

/** Serves `db` on HOST:port (0: a free port); rejects with the listen error (code EADDRINUSE when taken). */
async function serve(db: PGlite, port: number): Promise<PGliteWireServer> {
  const server = new PGliteWireServer({ db, host: HOST, port, maxConnections: MAX_CONNECTIONS });
  await server.start();
  return server;
}

/** Open the data directory and serve it on 127.0.0.1. Throws DataDirInUseError if another process owns it. */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const dataDir = options.dataDir ?? embeddedDataDir();
  const forced = options.port ?? embeddedPortOverride();
  const port = forced ?? DEFAULT_EMBEDDED_PORT;
  const inMemory = dataDir.startsWith("memory://");
  const started = new Date().toISOString();
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    await acquireLock(dataDir, { pid: process.pid, port, host: HOST, url: embeddedUrl(port), started, ready: false });
  }
  let db: PGlite | undefined;
  let server: PGliteWireServer | undefined;
  try {
    const opened = (db = await PGlite.create(dataDir));
    server = await serve(opened, port).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") throw error;
      if (forced === undefined) return serve(opened, 0); // the default port is taken: any free one
      throw new Error(`port ${port} is in use: set UNROLL_DB_PORT to a free port for the embedded database, or unset it to take any free port`);
    });
  } catch (error) {
    await db?.close().catch(() => undefined);
    if (!inMemory) releaseLock(dataDir);
    throw error;
  }
  const actualPort = server.port;
  const url = embeddedUrl(actualPort);
  if (!inMemory) writeLock(dataDir, { pid: process.pid, port: actualPort, host: HOST, url, started, ready: true });

  const onExit = () => {
    if (!inMemory) releaseLock(dataDir);
  };
  process.on("exit", onExit);
  let stopping: Promise<void> | undefined;
  const openDb = db;
  const openServer = server;
  return {
    url,
    port: actualPort,
    dataDir,
    db: openDb,
    stop: () => {
      stopping ??= (async () => {
        await openServer.stop();
        await openDb.close();
        if (!inMemory) releaseLock(dataDir);
        process.off("exit", onExit);
      })();
      return stopping;
    },
  };
}

/** Wait until a Postgres answers at `url`. */
export async function waitForServer(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        throw new Error(`no database answers at ${url}: ${(error as Error).message}`, { cause: error });
      }
      await sleep(200);
    }
  }
}

/** Where this process's database is, and whether this process serves it. */
export interface DatabaseHandle {
  url: string;
  /** "url": DATABASE_URL; "embedded-owner": served by this process; "embedded-client": by another one. */
  kind: "url" | "embedded-owner" | "embedded-client";
  /** Drop this handle's reference; the owner stops serving when the last one is released. */
  release(): Promise<void>;
}

interface Owned {
  server: Promise<EmbeddedServer>;
  refs: number;
}
const owners = new Map<string, Owned>();

async function ownerHandle(dataDir: string, owned: Owned): Promise<DatabaseHandle> {
  owned.refs++;
  const server = await owned.server;
  let released = false;
  return {
    url: server.url,
    kind: "embedded-owner",
    release: async () => {
      if (released) return;
      released = true;
      if (--owned.refs === 0) {
        owners.delete(dataDir);
        await server.stop();
      }
    },
  };
}

async function clientHandle(dataDir: string, lock: LockInfo): Promise<DatabaseHandle> {
  // The owner may still be opening PGlite (port 0 is only known once it listens).
  const deadline = Date.now() + 60_000;
  let current: LockInfo | undefined = lock;
  while (current && !current.ready && Date.now() < deadline && pidAlive(current.pid)) {
    await sleep(100);
    current = readLock(dataDir);
  }
  if (!current) throw new Error(`the owner of ${dataDir} (pid ${lock.pid}) exited while starting`);
  await waitForServer(current.url, Math.max(1_000, deadline - Date.now()));
  return { url: current.url, kind: "embedded-client", release: async () => undefined };
}

/**
 * The database this process should use: DATABASE_URL if set; else the embedded server of
 * <UNROLL_HOME>/pgdata, served by whichever process owns it, or started in this process if none
 * does (this process then owns it until the last handle is released, or it exits).
 */
export async function ensureDatabase(options: EmbeddedOptions = {}): Promise<DatabaseHandle> {
  const url = databaseUrl();
  if (url && options.dataDir === undefined) return { url, kind: "url", release: async () => undefined };
  const dataDir = options.dataDir ?? embeddedDataDir();
  for (let attempt = 0; attempt < 3; attempt++) {
    const owned = owners.get(dataDir);
    if (owned) return ownerHandle(dataDir, owned);
    const lock = readLock(dataDir);
    if (lock && lock.pid !== process.pid && pidAlive(lock.pid)) return clientHandle(dataDir, lock);
    const starting: Owned = { server: startEmbedded({ ...options, dataDir }), refs: 0 };
    owners.set(dataDir, starting);
    try {
      await starting.server;
      installSignalHandlers();
      return await ownerHandle(dataDir, starting);
    } catch (error) {
      owners.delete(dataDir);
      if (!(error instanceof DataDirInUseError)) throw error;
      // lost a race against another process: connect to it
    }
  }
  throw new Error(`could not open or reach the embedded database in ${dataDir}`);
}

let signalsInstalled = false;

/**
 * On SIGINT/SIGTERM: if the application has no handler of its own, stop every embedded server this
 * process owns (server, PGlite, lock) and exit. If it has one, it owns shutdown (it may still want
 * to write, e.g. mark its run CANCELLED) and must release its handles / close its Db; the lock is
 * removed on exit in any case.
 */
function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      void stopOwnedServers().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}

/** Stop all embedded servers this process owns. */
export async function stopOwnedServers(): Promise<void> {
  const all = [...owners.entries()];
  owners.clear();
  await Promise.all(all.map(async ([, owned]) => (await owned.server.catch(() => undefined))?.stop()));
}

/**
 * A freshly initialised, cleanly shut down PGlite cluster (what initdb produces), cached in the OS
 * temp dir: copying it (~50 MB) takes a fraction of the seconds initdb takes.
 */
export async function pgliteClusterTemplate(): Promise<string> {
  const dir = join(tmpdir(), `unroll-pglite-empty-${PGLITE_VERSION}`);
  if (existsSync(join(dir, "PG_VERSION"))) return dir;
  const building = `${dir}.${process.pid}.${randomBytes(4).toString("hex")}`;
  const db = await PGlite.create(building);
  await db.close();
  try {
    renameSync(building, dir); // atomic publish; another process may have won the race
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

/**
 * A shadow database for the schema engine when the main database is the embedded one (which has
 * a single database): a throwaway PGlite copied from the cluster template, served on a free port.
 */
export async function pgliteShadowDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), "unroll-shadow-"));
  const dataDir = join(home, "pgdata");
  cpSync(await pgliteClusterTemplate(), dataDir, { recursive: true });
  const server = await startEmbedded({ dataDir, port: 0 });
  return {
    url: server.url,
    drop: async () => {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
