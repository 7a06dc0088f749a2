// The committed migrations: they apply to an empty database, match schema.prisma, are recorded
// the way Prisma records them, and are safe to apply twice or from two processes at once.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pgliteShadowDatabase } from "./embedded.js";
import { writeMetricPoints } from "./metrics.js";
import { applyMigrations, migrationStatus } from "./migrate/apply.js";
import { createMigration, schemaDrift } from "./migrate/create.js";
import { migrationList, NO_FILTERS, serverShadowDatabase, withSchemaEngine } from "./migrate/engine.js";
import { checksum, MIGRATIONS_DIR, readMigrations, SCHEMA_PATH } from "./migrate/files.js";
import { createTestDatabase, testTargets, type TestDatabase } from "./testing.js";

const targets = await testTargets();
const committed = readMigrations().map((m) => m.name);

describe.each(targets)("migrations on %s", (target) => {
  const open: TestDatabase[] = [];
  const empty = async () => {
    const t = await createTestDatabase(target, { migrate: false });
    open.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it("apply to an empty database, leave no drift from schema.prisma, and a second run is a no-op", async () => {
    expect(committed.length).toBeGreaterThan(0);
    const { url } = await empty();
    expect(await applyMigrations(url)).toEqual(committed);
    expect(await schemaDrift({ fromDatabase: true, url })).toBe("");
    expect(await applyMigrations(url)).toEqual([]);
    const status = await migrationStatus(url);
    expect(status).toMatchObject({ applied: committed, pending: [], failed: [], edited: [], unknown: [] });
  });

  it("are recorded exactly as prisma migrate records them (the engine sees them as applied)", async () => {
    const { url, db } = await empty();
    await applyMigrations(url);
    const { rows } = await db.pool.query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date | null }>(
      `SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    for (const [i, m] of readMigrations().entries()) {
      expect(rows[i]).toMatchObject({ checksum: checksum(m.sql), applied_steps_count: 1 });
      expect(rows[i]?.finished_at).toBeInstanceOf(Date);
    }
    await withSchemaEngine({ url }, async (engine) => {
      const history = await engine.diagnoseMigrationHistory({
        migrationsList: migrationList(MIGRATIONS_DIR),
        optInToShadowDatabase: false,
        filters: NO_FILTERS,
      });
      expect(history).toMatchObject({ history: null, failedMigrationNames: [], editedMigrationNames: [], hasMigrationsTable: true });
      const deploy = await engine.applyMigrations({ migrationsList: migrationList(MIGRATIONS_DIR), filters: NO_FILTERS });
      expect(deploy.appliedMigrationNames).toEqual([]);
    });
  });

  it("applied by Prisma's engine (migrate deploy) count as applied for our runner", async () => {
    const { url } = await empty();
    await withSchemaEngine({ url }, async (engine) => {
      const deploy = await engine.applyMigrations({ migrationsList: migrationList(MIGRATIONS_DIR), filters: NO_FILTERS });
      expect(deploy.appliedMigrationNames).toEqual(committed);
    });
    expect(await applyMigrations(url)).toEqual([]);
    expect((await migrationStatus(url)).pending).toEqual([]);
  });

  it("migrate:new writes a migration for a schema change and applies it; no change -> none", async () => {
    const { url } = await empty();
    const work = mkdtempSync(join(tmpdir(), "unroll-migrate-new-"));
    try {
      const dir = join(work, "migrations");
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const schemaPath = join(work, "schema.prisma");
      const shadow = target === "postgres" ? serverShadowDatabase(url) : pgliteShadowDatabase;
      writeFileSync(schemaPath, readFileSync(SCHEMA_PATH, "utf8"));
      // (each createMigration replays the history twice on a fresh shadow; ~2.5 s each on PGlite)
      if (target === "postgres") expect(await createMigration("nothing", { url, dir, schemaPath, shadow })).toBeUndefined();

      writeFileSync(schemaPath, `${readFileSync(SCHEMA_PATH, "utf8")}\nmodel Note {\n  id   Int    @id\n  text String\n}\n`);
      const created = await createMigration("add_note", { url, dir, schemaPath, shadow });
      expect(created?.name).toMatch(/^\d{14}_add_note$/);
      expect(created?.sql).toContain(`CREATE TABLE "Note"`);
      expect(created?.applied).toBe(true);
      expect((await migrationStatus(url, dir)).applied).toEqual([...committed, created?.name]);
      expect(await schemaDrift({ fromDatabase: true, url, schemaPath })).toBe("");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("metric_series carries existing points over: series with summaries, points, and the rollups the writer would keep", async () => {
    const { url, db } = await empty();
    const work = mkdtempSync(join(tmpdir(), "unroll-migrate-old-"));
    try {
      const init = readMigrations().find((m) => m.name.endsWith("_init"))!;
      cpSync(join(MIGRATIONS_DIR, init.name), join(work, init.name), { recursive: true });
      expect(await applyMigrations(url, { dir: work })).toEqual([init.name]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // data as the init schema stored it: (runId, key, step) rows
    await db.pool.query(`INSERT INTO "Experiment" (id, name) VALUES ('e', 'e')`);
    await db.pool.query(`INSERT INTO "Run" (id, "experimentId", name, config) VALUES ('old', 'e', 'old', '{}'), ('new', 'e', 'new', '{}')`);
    const points = Array.from({ length: 5_000 }, (_, i) => ({
      step: i * 3 - 100,
      value: i === 77 ? Number.NaN : Math.round(Math.sin(i / 40) * 8) / 2 + 0,
      wallTime: 1_700_000_000_000 + i,
    }));
    await db.pool.query(
      `INSERT INTO "MetricPoint" ("runId", key, step, value, "wallTime")
       SELECT 'old', 'train/loss', * FROM unnest($1::int[], $2::float8[], $3::timestamptz[])`,
      [points.map((p) => p.step), points.map((p) => p.value), points.map((p) => new Date(p.wallTime))],
    );
    await db.pool.query(`INSERT INTO "MetricPoint" ("runId", key, step, value) VALUES ('old', 'valid/ppl', 10, 30), ('old', 'valid/ppl', 20, 25)`);

    expect(await applyMigrations(url)).toEqual(committed.filter((name) => !name.endsWith("_init")));
    const { rows: series } = await db.pool.query<{ id: number; key: string; pointCount: number; lastStep: number; lastValue: number }>(
      `SELECT id, key, "pointCount", "lastStep", "lastValue" FROM "MetricSeries" WHERE "runId" = 'old' ORDER BY key`,
    );
    expect(series.map(({ id: _, ...s }) => s)).toEqual([
      { key: "train/loss", pointCount: 5_000, lastStep: points.at(-1)!.step, lastValue: points.at(-1)!.value },
      { key: "valid/ppl", pointCount: 2, lastStep: 20, lastValue: 25 },
    ]);
    const { rows: stored } = await db.pool.query<{ step: number; value: number; wallTime: Date }>(
      `SELECT step, value, "wallTime" FROM "MetricPoint" WHERE "seriesId" = $1 ORDER BY step`,
      [series[0]!.id],
    );
    expect(stored.map((r) => ({ step: r.step, value: Number(r.value), wallTime: r.wallTime.getTime() }))).toEqual(points);
    // the same points written now by writeMetricPoints to another run give the same rollups
    await writeMetricPoints(
      db.pool,
      points.map((p) => ({ runId: "new", key: "train/loss", ...p })),
    );
    const rollups = async (runId: string) =>
      (
        await db.pool.query(
          `SELECT width, block, "minStep", "minValue", "minWallTime", "maxStep", "maxValue", "maxWallTime"
             FROM "MetricRollup" r JOIN "MetricSeries" s ON s.id = r."seriesId" WHERE s."runId" = $1 AND s.key = 'train/loss' ORDER BY width, block`,
          [runId],
        )
      ).rows;
    const migrated = await rollups("old");
    expect(migrated.length).toBeGreaterThan((5_000 * 3) / 16);
    expect(migrated).toEqual(await rollups("new"));
  });

  it('elman_cell_name renames the stored "rnn" cell, in the column and in the config, and nothing else', async () => {
    const { url, db } = await empty();
    const target = committed.find((name) => name.endsWith("_elman_cell_name"))!;
    const before = committed.slice(0, committed.indexOf(target));
    const work = mkdtempSync(join(tmpdir(), "unroll-migrate-old-"));
    try {
      for (const name of before) cpSync(join(MIGRATIONS_DIR, name), join(work, name), { recursive: true });
      expect(await applyMigrations(url, { dir: work })).toEqual(before);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    await db.pool.query(`INSERT INTO "Experiment" (id, name) VALUES ('e', 'e')`);
    const config = (cell: string) => JSON.stringify({ task: "lm", model: { cell, hiddenSize: 8 } });
    await db.pool.query(
      `INSERT INTO "Run" (id, "experimentId", name, cell, config) VALUES
         ('old', 'e', 'old rnn', 'rnn', $1::jsonb), ('lstm', 'e', 'lstm', 'lstm', $2::jsonb), ('odd', 'e', 'odd', NULL, '{"model": 3}'::jsonb)`,
      [config("rnn"), config("lstm")],
    );
    expect(await applyMigrations(url)).toEqual(committed.slice(before.length));
    const { rows } = await db.pool.query<{ id: string; name: string; cell: string | null; config: unknown }>(
      `SELECT id, name, cell, config FROM "Run" ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: "lstm", name: "lstm", cell: "lstm", config: { task: "lm", model: { cell: "lstm", hiddenSize: 8 } } },
      { id: "odd", name: "odd", cell: null, config: { model: 3 } },
      { id: "old", name: "old rnn", cell: "elman", config: { task: "lm", model: { cell: "elman", hiddenSize: 8 } } },
    ]);
  });

  it("two concurrent migrators apply each migration once", async () => {
    const { url, db } = await empty();
    const [a, b] = await Promise.all([applyMigrations(url), applyMigrations(url)]);
    expect([...a, ...b].sort()).toEqual(committed);
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(rows[0]?.n).toBe(committed.length);
  });
});

describe.runIf(targets.includes("postgres"))("prisma/migrations on postgres", () => {
  it("replayed on a shadow database equal schema.prisma (no migration missing)", async () => {
    const t = await createTestDatabase("postgres", { migrate: false });
    try {
      expect(await schemaDrift({ fromDatabase: false, url: t.url })).toBe("");
    } finally {
      await t.close();
    }
  });
});
