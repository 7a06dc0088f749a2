-- CreateTable
CREATE TABLE "ChangeCounter" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ChangeCounter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Selection" (
    "id" TEXT NOT NULL DEFAULT (gen_random_uuid())::text,
    "runIds" TEXT[],
    "label" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Selection_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Run_createdAt_id_idx" ON "Run"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Run_name_id_idx" ON "Run"("name", "id");

-- CreateIndex
CREATE INDEX "Run_paramCount_id_idx" ON "Run"("paramCount", "id");

-- CreateIndex
CREATE INDEX "Run_step_id_idx" ON "Run"("step", "id");

-- CreateIndex
CREATE INDEX "Run_task_createdAt_idx" ON "Run"("task", "createdAt");

-- CreateIndex
CREATE INDEX "Run_tags_idx" ON "Run" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "MetricSeries_key_lastValue_idx" ON "MetricSeries"("key", "lastValue");

-- The change counter (hand-written; Prisma does not model triggers). live.runs polls this one row
-- instead of hashing every run per subscriber. Statement-level triggers with transition tables:
-- one bump per statement that changed something (a 500-run delete is one bump, a no-op update
-- none), in the statement's own transaction, so a reader never sees a version before its data.
-- A heartbeat (heartbeatAt/heartbeatDueAt only) is not a change the runs table shows; its step is.
-- Cost: concurrent writers of Run serialise on this row until they commit (their statements are
-- autocommitted and short).
INSERT INTO "ChangeCounter" ("id", "version") VALUES (1, 0);

CREATE FUNCTION "ChangeCounter_bump"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE "ChangeCounter" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END
$fn$;

-- Rows came or went: an INSERT's new rows, a DELETE's old ones (each branch names only its own
-- transition table, so each is prepared only for its own event).
CREATE FUNCTION "ChangeCounter_rows_changed"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM "new_rows") THEN
      UPDATE "ChangeCounter" SET "version" = "version" + 1 WHERE "id" = 1;
    END IF;
  ELSIF EXISTS (SELECT 1 FROM "old_rows") THEN
    UPDATE "ChangeCounter" SET "version" = "version" + 1 WHERE "id" = 1;
  END IF;
  RETURN NULL;
END
$fn$;

-- The fields the runs table, compare and tying pages show.
CREATE FUNCTION "ChangeCounter_runs_updated"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (
    SELECT 1 FROM "old_rows" o JOIN "new_rows" n ON n."id" = o."id"
     WHERE (o."name", o."status", o."step", o."cancelRequested", o."tags", o."notes", o."paramCount", o."summary", o."error",
            o."experimentId", o."startedAt", o."finishedAt", o."task", o."cell", o."tied", o."config", o."host", o."backend")
           IS DISTINCT FROM
           (n."name", n."status", n."step", n."cancelRequested", n."tags", n."notes", n."paramCount", n."summary", n."error",
            n."experimentId", n."startedAt", n."finishedAt", n."task", n."cell", n."tied", n."config", n."host", n."backend")
  ) THEN
    UPDATE "ChangeCounter" SET "version" = "version" + 1 WHERE "id" = 1;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "Run_inserted" AFTER INSERT ON "Run" REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_rows_changed"();
CREATE TRIGGER "Run_deleted" AFTER DELETE ON "Run" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_rows_changed"();
CREATE TRIGGER "Run_updated" AFTER UPDATE ON "Run" REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_runs_updated"();
CREATE TRIGGER "Run_truncated" AFTER TRUNCATE ON "Run"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_bump"();

CREATE TRIGGER "Experiment_inserted" AFTER INSERT ON "Experiment" REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_rows_changed"();
CREATE TRIGGER "Experiment_deleted" AFTER DELETE ON "Experiment" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_rows_changed"();
CREATE TRIGGER "Experiment_updated" AFTER UPDATE ON "Experiment"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_bump"();
CREATE TRIGGER "Experiment_truncated" AFTER TRUNCATE ON "Experiment"
  FOR EACH STATEMENT EXECUTE FUNCTION "ChangeCounter_bump"();
