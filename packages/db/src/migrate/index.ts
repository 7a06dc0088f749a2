// @unroll/db/migrate: migration tooling (the Wasm schema engine is only loaded when used).
export {
  applyMigrations,
  migrationStatus,
  MigrationError,
  MIGRATION_LOCK_KEY,
  type AppliedMigration,
  type ApplyOptions,
  type MigrationStatus,
} from "./apply.js";
export { createMigration, schemaDrift, type CreateMigrationOptions, type CreatedMigration, type DriftOptions } from "./create.js";
export {
  migrationList,
  serverShadowDatabase,
  withSchemaEngine,
  type EngineOptions,
  type SchemaEngine,
  type ShadowDatabase,
  type ShadowDatabaseFactory,
} from "./engine.js";
export { checksum, MIGRATIONS_DIR, readMigrations, SCHEMA_PATH, type MigrationFile } from "./files.js";
export { pgliteShadowDatabase } from "../embedded.js";
