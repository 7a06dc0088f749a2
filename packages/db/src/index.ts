// @unroll/db: the tracking database for every package.
//
//   const db = await createDb();             // DATABASE_URL, else the embedded PGlite
//   await db.prisma.run.findMany(...);        // typed Prisma client (adapter-pg, no native engine)
//   await writeMetricPoints(db.pool, points); // bulk, idempotent
//   await db.close();
export { createDb, type CreateDbOptions, type Db } from "./client.js";
export { databaseUrl, embeddedDataDir, embeddedPortOverride, repoRoot, unrollHome, DEFAULT_EMBEDDED_PORT } from "./env.js";
export {
  DataDirInUseError,
  embeddedUrl,
  ensureDatabase,
  pidAlive,
  readLock,
  startEmbedded,
  stopOwnedServers,
  waitForServer,
  type DatabaseHandle,
  type EmbeddedOptions,
  type EmbeddedServer,
  type LockInfo,
} from "./embedded.js";
export { forgetSeries, resolveSeries, writeMetricPoints, METRIC_CHUNK_SIZE, type MetricPointInput, type Queryable } from "./metrics.js";
export { readSeries, type ReadSeriesOptions, type SeriesPoint } from "./series.js";
export { latestDiagnostics, readDiagnostics, type DiagnosticRow } from "./diagnostics.js";
export { checkInitRun, findRun, type RunLookup } from "./run-ref.js";
export { planBuckets, ROLLUP_WIDTHS, type BucketPlan } from "./rollups.js";
export { applyMigrations, migrationStatus, MigrationError, MIGRATION_LOCK_KEY, type MigrationStatus } from "./migrate/apply.js";
export { MIGRATIONS_DIR, SCHEMA_PATH } from "./migrate/files.js";

// Generated types: models, enums (values and types), and the Prisma namespace (input types,
// Prisma.JsonValue, Prisma.sql, error classes).
export { Prisma, PrismaClient } from "./generated/prisma/client.js";
export type { Checkpoint, Experiment, MetricPoint, MetricRollup, MetricSeries, Run, Sample, Worker } from "./generated/prisma/client.js";
export { CheckpointKind, RunStatus, WorkerStatus } from "./generated/prisma/enums.js";
export { enqueueRuns, requestCancel, type EnqueueOptions, type RunSpec } from "./runs.js";
export { checkRunInput, RUN_LIMITS, RunInputError, tooManyRuns } from "./run-limits.js";
