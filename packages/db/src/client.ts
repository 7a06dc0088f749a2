// One way to get a database connection for every package: a pg Pool plus a Prisma client on top
// of it (@prisma/adapter-pg, no native engine). Raw SQL (bulk metrics, the runner's claim) uses
// the pool; everything else uses Prisma.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { ensureDatabase, type DatabaseHandle } from "./embedded.js";
import { databaseTimeouts } from "./env.js";
import { PrismaClient } from "./generated/prisma/client.js";

export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** The connection string in use (DATABASE_URL, the embedded server's URL, or the one passed). */
  url: string;
  /** Closes Prisma and the pool; if this process serves the embedded database and this was its
   * last user, stops it too. */
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Connect here; default DATABASE_URL, else the embedded database (started if nobody serves it). */
  url?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Override UNROLL_DB_CONNECT_TIMEOUT_MS / UNROLL_DB_QUERY_TIMEOUT_MS (see env.ts). */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
}

export async function createDb(options: CreateDbOptions = {}): Promise<Db> {
  let handle: DatabaseHandle | undefined;
  let url = options.url;
  if (!url) {
    handle = await ensureDatabase();
    url = handle.url;
  }
  const limits = databaseTimeouts();
  // No wait without a bound: connecting, and each statement's answer (a timed-out statement's
  // connection is destroyed by the pool, so a blackholed one is not reused); keepAlive lets the
  // OS notice a dead peer on idle connections.
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? limits.connectMs,
    query_timeout: options.queryTimeoutMs ?? limits.queryMs,
    keepAlive: true,
  });
  // An idle client's error (server restarted, connection killed) must not crash the process;
  // the pool drops that client and the next query gets a fresh one.
  pool.on("error", (error) => console.warn(`@unroll/db: idle connection dropped: ${error.message}`));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    url,
    close: () => {
      closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
        await handle?.release();
      })();
      return closing;
    },
  };
}
