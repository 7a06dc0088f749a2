// Applies the committed migrations, recording them in `_prisma_migrations` exactly as
// `prisma migrate deploy` does (same table, uuid ids, sha256 checksums, applied_steps_count 1),
// so either tool sees the other's work as applied.
//
// Differences from Prisma, on purpose:
// - each migration runs in ONE transaction together with its `_prisma_migrations` row: a failing
//   migration leaves nothing behind (Prisma leaves a half-applied script and a "failed" row).
//   Consequence: a migration must be valid inside a transaction (no CREATE INDEX CONCURRENTLY).
// - concurrency: every transaction first takes pg_advisory_xact_lock(72707369) (Prisma's own
//   migration lock key, so we also exclude a concurrent `prisma migrate deploy`) and re-checks
//   whether the migration is already recorded. On the embedded server, advisory locks are shared
//   by all clients (one backend session), but there clients are serialised per transaction, which
//   gives the same guarantee.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { MIGRATIONS_DIR, readMigrations, type MigrationFile } from "./files.js";

/** Prisma's advisory lock key for migrations. */
export const MIGRATION_LOCK_KEY = 72707369;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface AppliedMigration {
  name: string;
  checksum: string;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
}

export interface MigrationStatus {
  /** Names in the folder that are recorded as applied. */
  applied: string[];
  /** Names in the folder not applied yet, in order. */
  pending: string[];
  /** Recorded as started but not finished (e.g. by a failed `prisma migrate deploy`). */
  failed: string[];
  /** Applied, but migration.sql changed since (checksum mismatch). */
  edited: string[];
  /** Recorded in the database but missing from the folder. */
  unknown: string[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationError";
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function readApplied(client: pg.Client): Promise<AppliedMigration[] | undefined> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists.rows[0]?.t) return undefined;
  const { rows } = await client.query<{
    migration_name: string;
    checksum: string;
    finished_at: Date | null;
    rolled_back_at: Date | null;
  }>(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`);
  return rows.map((r) => ({
    name: r.migration_name,
    checksum: r.checksum,
    finishedAt: r.finished_at,
    rolledBackAt: r.rolled_back_at,
  }));
}

function compare(files: MigrationFile[], recorded: AppliedMigration[]): MigrationStatus {
  const live = recorded.filter((r) => r.rolledBackAt === null);
  const done = new Map(live.filter((r) => r.finishedAt !== null).map((r) => [r.name, r]));
  const names = new Set(files.map((f) => f.name));
  return {
    applied: files.filter((f) => done.has(f.name)).map((f) => f.name),
    pending: files.filter((f) => !done.has(f.name)).map((f) => f.name),
    failed: live.filter((r) => r.finishedAt === null).map((r) => r.name),
    edited: files.filter((f) => done.has(f.name) && done.get(f.name)?.checksum !== f.checksum).map((f) => f.name),
    unknown: [...done.keys()].filter((n) => !names.has(n)),
  };
}

/** Which committed migrations `url` has applied, which are pending, and any inconsistency. */
export async function migrationStatus(url: string, dir = MIGRATIONS_DIR): Promise<MigrationStatus> {
  return withClient(url, async (client) => compare(readMigrations(dir), (await readApplied(client)) ?? []));
}

export interface ApplyOptions {
  dir?: string;
  log?: (message: string) => void;
}

/** Apply pending migrations to `url`. Safe to run concurrently and repeatedly. Returns the names it applied. */
export async function applyMigrations(url: string, options: ApplyOptions = {}): Promise<string[]> {
  const files = readMigrations(options.dir ?? MIGRATIONS_DIR);
  const log = options.log ?? (() => undefined);
  return withClient(url, async (client) => {
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      await client.query(CREATE_TABLE);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }

    const before = compare(files, (await readApplied(client)) ?? []);
    if (before.failed.length > 0) {
      throw new MigrationError(
        `migrations ${before.failed.join(", ")} are recorded as failed in _prisma_migrations ` +
          `(a previous prisma migrate deploy stopped half-way). Fix the database by hand, then mark them with ` +
          `\`prisma migrate resolve --rolled-back <name>\` or \`--applied <name>\`.`,
      );
    }
    if (before.edited.length > 0) {
      log(`warning: applied migrations were edited since: ${before.edited.join(", ")}`);
    }

    const applied: string[] = [];
    for (const file of files) {
      if (before.applied.includes(file.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        const done = await client.query(
          `SELECT 1 FROM "_prisma_migrations"
            WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
          [file.name],
        );
        if (done.rowCount) {
          await client.query("COMMIT"); // another process applied it meanwhile
          continue;
        }
        const started = new Date();
        await client.query(file.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations"
             (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
          [randomUUID(), file.checksum, file.name, started],
        );
        await client.query("COMMIT");
        applied.push(file.name);
        log(`applied ${file.name}`);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new MigrationError(`migration ${file.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
    }
    return applied;
  });
}
