// Opens the tracking database for a command. The embedded default is migrated on open (it is
// this machine's own); a shared DATABASE_URL is migrated only on purpose (`unroll db migrate`),
// and a command refuses to run against one with pending migrations.
import { applyMigrations, createDb, databaseUrl, migrationStatus, type Db } from "@unroll/db";
import { UsageError } from "./cli/usage-error.js";

export type Database = Db;

export async function openDatabase(): Promise<Database> {
  const db = await createDb();
  try {
    if (databaseUrl() === undefined) {
      await applyMigrations(db.url);
    } else {
      const status = await migrationStatus(db.url);
      if (status.pending.length > 0) {
        throw new UsageError(
          `the database at DATABASE_URL has ${status.pending.length} pending migration(s) (${status.pending.join(", ")}); apply them with \`pnpm db:migrate\``,
        );
      }
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
