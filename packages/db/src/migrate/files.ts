// The committed migrations folder, read the way Prisma reads it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PRISMA_DIR } from "@unroll/layout";

/** <repo>/prisma: the one schema for the whole system, found through @unroll/layout. */
export { PRISMA_DIR };
export const SCHEMA_PATH = join(PRISMA_DIR, "schema.prisma");
export const MIGRATIONS_DIR = join(PRISMA_DIR, "migrations");
export const LOCKFILE_NAME = "migration_lock.toml";

export interface MigrationFile {
  /** Folder name, e.g. 20261126161000_init; also the `migration_name` in _prisma_migrations. */
  name: string;
  sql: string;
  /** sha256 hex of migration.sql, as Prisma computes it. */
  checksum: string;
}

export function checksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** Migrations in the order Prisma applies them (folder names, lexicographic). */
export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: checksum(sql) };
    });
}

export function readSchema(path = SCHEMA_PATH): string {
  return readFileSync(path, "utf8");
}
