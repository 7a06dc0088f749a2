// Prisma's schema engine compiled to Wasm (@prisma/schema-engine-wasm), driven through
// @prisma/adapter-pg: `migrate dev`-style migration creation and schema diffs without the native
// engine binary (which cannot be downloaded on our machines).
//
// Four snags, each handled here:
// 1. The package's entry does `import * as wasm from "./x.wasm"` (needs --experimental-wasm-modules):
//    we instantiate the .wasm ourselves and hand it to the wasm-bindgen glue.
// 2. adapter-pg's connectToShadowDb() drops the shadow database while its pool is still connected:
//    we bring our own shadow-database factory (a throwaway database on a real server, or an
//    in-memory PGlite when the main database is the embedded one, which has a single database).
// 3. The engine's introspection selects `"char"` columns (OID 18), which adapter-pg cannot map:
//    a wrapper reports them as text (pg already returns them as strings).
// 4. adapter-pg's executeScript (how the engine runs a migration) splits the script on every ";",
//    even inside comments and dollar-quoted function bodies: we send the script whole (the simple
//    query protocol runs it statement by statement, as psql and our own runner do).
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type * as Engine from "@prisma/schema-engine-wasm";
import pg from "pg";
import { LOCKFILE_NAME, PRISMA_DIR } from "./files.js";

type EngineModule = typeof Engine;
export type SchemaEngine = Engine.SchemaEngine;
export type MigrationList = Engine.MigrationList;

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

let modulePromise: Promise<EngineModule> | undefined;

// The lib/types this package compiles with (ES2022 + node) do not declare WebAssembly.
type WasmImports = Record<string, unknown>;
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, WasmImports>): Promise<{ instance: { exports: WasmImports } }>;
}
const { WebAssembly: wasmApi } = globalThis as unknown as { WebAssembly: WasmApi };

/** Where the engine's Rust panics leave their message (the Prisma CLI defines the same global). */
interface PanicRegistry {
  message: string | undefined;
  set_message(message: string): void;
}
const panics = globalThis as unknown as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };

function loadEngineModule(): Promise<EngineModule> {
  panics.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: undefined,
    set_message(message: string) {
      this.message = message;
    },
  };
  modulePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as EngineModule & {
      __wbg_set_wasm(exports: WasmImports): void;
    };
    const bytes = readFileSync(join(dirname(gluePath), "schema_engine_bg.wasm"));
    // The engine arms timers (timeouts around its queries) that would keep the process alive
    // for seconds after the work is done: unref them.
    const imports: WasmImports = { ...(glue as unknown as WasmImports) };
    for (const [name, fn] of Object.entries(imports)) {
      if (name.startsWith("__wbg_setTimeout_") && typeof fn === "function") {
        imports[name] = (...args: unknown[]) => {
          const timer = (fn as (...a: unknown[]) => unknown)(...args);
          (timer as { unref?: () => void } | undefined)?.unref?.();
          return timer;
        };
      }
    }
    const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": imports });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return modulePromise;
}

const CHAR_COLUMNS = Symbol("char columns");

/**
 * Let the engine read `"char"` columns (OID 18, e.g. pg_constraint.contype): adapter-pg 7.10
 * throws on that OID. pg returns such values as one-character strings; we let adapter-pg map the
 * column as text, then report it to the engine as Character, the type it reads them with.
 */
function castCharToText<T extends object>(queryable: T): T {
  type Rows = unknown[] & { [CHAR_COLUMNS]?: number[] };
  const target = queryable as unknown as {
    performIO(query: unknown): Promise<{ fields: { dataTypeID: number }[]; rows: Rows }>;
    queryRaw(query: unknown): Promise<{ columnTypes: number[]; rows: Rows }>;
    startTransaction?: (...args: unknown[]) => Promise<object>;
  };
  const performIO = target.performIO.bind(target);
  target.performIO = async (query) => {
    const result = await performIO(query);
    const chars: number[] = [];
    result.fields.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        chars.push(i);
      }
    });
    if (chars.length > 0 && Array.isArray(result.rows)) result.rows[CHAR_COLUMNS] = chars;
    return result;
  };
  const queryRaw = target.queryRaw.bind(target);
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of result.rows[CHAR_COLUMNS] ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  if (target.startTransaction) {
    const startTransaction = target.startTransaction.bind(target);
    target.startTransaction = async (...args) => castCharToText(await startTransaction(...args));
  }
  return queryable;
}

/** Run migration scripts whole instead of split on every ";" (snag 4). */
function wholeScripts<T extends SqlDriverAdapter>(adapter: T): T {
  const target = adapter as unknown as { client: pg.Pool | pg.PoolClient; onError(error: unknown): never };
  adapter.executeScript = async (script: string) => {
    try {
      await target.client.query(script);
    } catch (error) {
      target.onError(error);
    }
  };
  return adapter;
}

/** Where the engine gets a shadow database (used to replay migrations for createMigration). */
export interface ShadowDatabase {
  url: string;
  drop(): Promise<void>;
}
export type ShadowDatabaseFactory = () => Promise<ShadowDatabase>;

/** A throwaway database on the same server as `url` (needs CREATEDB). */
export function serverShadowDatabase(url: string): ShadowDatabaseFactory {
  return async () => {
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    const shadowUrl = new URL(url);
    shadowUrl.pathname = `/${name}`;
    return {
      url: shadowUrl.toString(),
      drop: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    };
  };
}

class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  private readonly shadows: ShadowDatabase[] = [];
  private readonly adapters: SqlDriverAdapter[] = [];

  constructor(
    private readonly url: string,
    private readonly shadow: ShadowDatabaseFactory | undefined,
  ) {}

  async connect(): Promise<SqlDriverAdapter> {
    const adapter = wholeScripts(castCharToText(await new PrismaPg({ connectionString: this.url, max: 2 }).connect()));
    this.adapters.push(adapter);
    return adapter;
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (!this.shadow) throw new Error("this operation needs a shadow database, none was configured");
    const shadow = await this.shadow();
    this.shadows.push(shadow);
    const adapter = wholeScripts(castCharToText(await new PrismaPg({ connectionString: shadow.url, max: 2 }).connect()));
    const dispose = adapter.dispose.bind(adapter);
    // Close the pool first, then drop the database (adapter-pg does it the other way round).
    adapter.dispose = async () => {
      await dispose();
      this.shadows.splice(this.shadows.indexOf(shadow), 1);
      await shadow.drop();
    };
    return adapter;
  }

  /** Close the engine's connections and drop shadow databases it did not dispose of. */
  async cleanup(): Promise<void> {
    for (const adapter of this.adapters.splice(0)) await adapter.dispose().catch(() => undefined);
    for (const shadow of this.shadows.splice(0)) await shadow.drop().catch(() => undefined);
  }
}

export interface EngineOptions {
  /** The database the engine works on. */
  url: string;
  /** Prisma schema text; defaults to none (enough for diff from/to migrations or schema). */
  schema?: string;
  shadow?: ShadowDatabaseFactory;
  /** Receives the engine's JSON log lines. */
  log?: (line: string) => void;
}

/** Run `fn` with a schema engine bound to `url`; frees the engine and any shadow database after. */
export async function withSchemaEngine<T>(options: EngineOptions, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const mod = await loadEngineModule();
  const factory = new MigrationAdapterFactory(options.url, options.shadow);
  const datamodels: [string, string][] | undefined = options.schema === undefined ? undefined : [[join(PRISMA_DIR, "schema.prisma"), options.schema]];
  const engine = await mod.SchemaEngine.new({ datamodels }, (line: string) => options.log?.(line), bindMigrationAwareSqlAdapterFactory(factory));
  try {
    return await fn(engine);
  } catch (error) {
    const registry = panics.PRISMA_WASM_PANIC_REGISTRY;
    const panic = registry?.message;
    if (registry) registry.message = undefined;
    if (panic) throw new Error(`Prisma schema engine (wasm) panicked: ${panic}`, { cause: error });
    throw error;
  } finally {
    engine.free();
    await factory.cleanup();
  }
}

export const NO_FILTERS: Engine.SchemaFilter = { externalTables: [], externalEnums: [] };

export function schemaFiles(schema: string): Engine.SchemasContainer {
  return { files: [{ path: join(PRISMA_DIR, "schema.prisma"), content: schema }] };
}

/** The migrations folder as the engine wants it (what the Prisma CLI builds before each command). */
export function migrationList(dir: string): MigrationList {
  const lockPath = join(dir, LOCKFILE_NAME);
  const lockfile = { path: LOCKFILE_NAME, content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null };
  const directories = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    : [];
  return {
    baseDir: dir,
    lockfile,
    shadowDbInitScript: "",
    migrationDirectories: directories
      .sort((a, b) => a.localeCompare(b))
      .map((name) => {
        const file = join(dir, name, "migration.sql");
        let content: Engine.JsResult<string, string>;
        try {
          content = { tag: "ok", value: readFileSync(file, "utf8") };
        } catch (error) {
          content = { tag: "error", value: (error as Error).message };
        }
        return { path: name, migrationFile: { path: "migration.sql", content } };
      }),
  };
}
