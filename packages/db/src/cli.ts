// unroll-db: serve the embedded database, apply and create migrations, show status.
//
//   unroll-db serve [--no-migrate]          own <UNROLL_HOME>/pgdata and serve it (foreground)
//   unroll-db migrate                       apply committed migrations (pnpm db:migrate)
//   unroll-db migrate:new <name> [--create-only] [--draft]
//                                           new migration from the schema diff (pnpm db:migrate:new)
//   unroll-db status                        URL, migrations applied/pending, row counts
//   unroll-db check                         exit 2 if the database or the migrations differ from schema.prisma
//
// Without DATABASE_URL every command uses the embedded database: it connects to the process that
// serves it, or serves it itself for the duration of the command.
import pg from "pg";
import { ensureDatabase, pgliteShadowDatabase, startEmbedded, type DatabaseHandle } from "./embedded.js";
import { embeddedDataDir } from "./env.js";
import { applyMigrations, migrationStatus } from "./migrate/apply.js";
import { createMigration, schemaDrift } from "./migrate/create.js";
import { serverShadowDatabase } from "./migrate/engine.js";

const TABLES = ["Experiment", "Run", "MetricSeries", "MetricPoint", "MetricRollup", "Sample", "Diagnostic", "Checkpoint", "Worker"] as const;

function where(handle: DatabaseHandle): string {
  switch (handle.kind) {
    case "url":
      return "DATABASE_URL";
    case "embedded-owner":
      return `embedded ${embeddedDataDir()}, served by this command`;
    case "embedded-client":
      return `embedded ${embeddedDataDir()}, served by another process`;
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

async function withDatabase<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = await ensureDatabase();
  try {
    return await fn(handle);
  } finally {
    await handle.release();
  }
}

async function serve(args: string[]): Promise<void> {
  const server = await startEmbedded();
  if (!args.includes("--no-migrate")) {
    const applied = await applyMigrations(server.url);
    console.log(applied.length ? `applied ${applied.join(", ")}` : "migrations up to date");
  }
  console.log(`embedded Postgres (PGlite) serving ${server.dataDir}`);
  console.log(`DATABASE_URL=${server.url}`);
  console.log("Ctrl-C to stop");
  const shutdown = (code: number) => {
    void server.stop().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => shutdown(130));
  process.once("SIGTERM", () => shutdown(143));
  await new Promise(() => undefined); // serve until a signal
}

async function migrate(): Promise<void> {
  await withDatabase(async (handle) => {
    console.log(`database: ${redact(handle.url)} (${where(handle)})`);
    const applied = await applyMigrations(handle.url, { log: (m) => console.log(m) });
    console.log(applied.length ? `${applied.length} migration(s) applied` : "already up to date");
  });
}

async function migrateNew(args: string[]): Promise<void> {
  const name = args.find((a) => !a.startsWith("--"));
  if (!name) throw new Error("usage: unroll-db migrate:new <name> [--create-only] [--draft]");
  await withDatabase(async (handle) => {
    const created = await createMigration(name, {
      url: handle.url,
      shadow: handle.kind === "url" ? serverShadowDatabase(handle.url) : pgliteShadowDatabase,
      createOnly: args.includes("--create-only"),
      draft: args.includes("--draft"),
      log: (m) => console.log(m),
    });
    if (!created) console.log("schema.prisma has no changes since the last migration: nothing created");
  });
}

async function status(): Promise<void> {
  await withDatabase(async (handle) => {
    console.log(`database:   ${redact(handle.url)} (${where(handle)})`);
    const s = await migrationStatus(handle.url);
    console.log(`migrations: ${s.applied.length} applied, ${s.pending.length} pending`);
    for (const name of s.pending) console.log(`  pending  ${name}`);
    for (const name of s.failed) console.log(`  FAILED   ${name}`);
    for (const name of s.edited) console.log(`  EDITED   ${name} (changed after it was applied)`);
    for (const name of s.unknown) console.log(`  UNKNOWN  ${name} (applied, not in prisma/migrations)`);
    if (s.pending.length === 0 && s.applied.length > 0) {
      const client = new pg.Client({ connectionString: handle.url });
      await client.connect();
      try {
        const counts: string[] = [];
        for (const t of TABLES) {
          const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`);
          counts.push(`${t}=${rows[0]?.n ?? 0}`);
        }
        console.log(`rows:       ${counts.join(" ")}`);
      } finally {
        await client.end();
      }
    }
  });
}

async function check(): Promise<number> {
  return withDatabase(async (handle) => {
    const shadow = handle.kind === "url" ? serverShadowDatabase(handle.url) : pgliteShadowDatabase;
    const fromMigrations = await schemaDrift({ fromDatabase: false, url: handle.url, shadow });
    const fromDatabase = await schemaDrift({ fromDatabase: true, url: handle.url });
    if (fromMigrations) console.log(`prisma/migrations lag behind schema.prisma; run pnpm db:migrate:new <name>:\n${fromMigrations}`);
    if (fromDatabase) console.log(`the database differs from schema.prisma (pending migrations?):\n${fromDatabase}`);
    if (!fromMigrations && !fromDatabase) console.log("no drift: migrations, database and schema.prisma agree");
    return fromMigrations || fromDatabase ? 2 : 0;
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "serve":
      await serve(args);
      return 0;
    case "migrate":
      await migrate();
      return 0;
    case "migrate:new":
      await migrateNew(args);
      return 0;
    case "status":
      await status();
      return 0;
    case "check":
      return check();
    default:
      console.error("usage: unroll-db serve [--no-migrate] | migrate | migrate:new <name> [--create-only] [--draft] | status | check");
      return command === undefined || command === "help" || command === "--help" ? 0 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`unroll-db: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
