-- Metric series: (runId, key) -> an integer id, points keyed by (seriesId, step) with no text
-- per row: a summary per series (point count, last step and value) and min/max rollups per block
-- of 16, 64, ... 262144 steps, both kept by writeMetricPoints (packages/db/src/metrics.ts).
-- Existing points are carried over: one series per distinct (runId, key), every point copied with
-- its series id, the summaries and rollups computed from them (the rule of packages/db/src/rollups.ts).

-- CreateTable
CREATE TABLE "MetricSeries" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "pointCount" INTEGER NOT NULL DEFAULT 0,
    "lastStep" INTEGER,
    "lastValue" DOUBLE PRECISION,

    CONSTRAINT "MetricSeries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetricRollup" (
    "seriesId" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "block" INTEGER NOT NULL,
    "minStep" INTEGER NOT NULL,
    "minValue" DOUBLE PRECISION NOT NULL,
    "minWallTime" TIMESTAMPTZ(3) NOT NULL,
    "maxStep" INTEGER NOT NULL,
    "maxValue" DOUBLE PRECISION NOT NULL,
    "maxWallTime" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MetricRollup_pkey" PRIMARY KEY ("seriesId","width","block")
);

-- CreateIndex
CREATE UNIQUE INDEX "MetricSeries_runId_key_key" ON "MetricSeries"("runId", "key");

-- Carry over: the series, with their summaries
INSERT INTO "MetricSeries" ("runId", "key", "pointCount", "lastStep", "lastValue")
SELECT DISTINCT ON ("runId", "key") "runId", "key", count(*) OVER (PARTITION BY "runId", "key")::int, "step", "value"
  FROM "MetricPoint"
 ORDER BY "runId", "key", "step" DESC;

-- Carry over: the points, into a new table keyed by (seriesId, step) (replaces the old one)
CREATE TABLE "MetricPoint_new" (
    "seriesId" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "wallTime" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO "MetricPoint_new" ("seriesId", "step", "value", "wallTime")
SELECT s."id", p."step", p."value", p."wallTime"
  FROM "MetricPoint" p JOIN "MetricSeries" s ON s."runId" = p."runId" AND s."key" = p."key"
 ORDER BY s."id", p."step";

DROP TABLE "MetricPoint";
ALTER TABLE "MetricPoint_new" RENAME TO "MetricPoint";
ALTER TABLE "MetricPoint" ADD CONSTRAINT "MetricPoint_pkey" PRIMARY KEY ("seriesId", "step");

-- Carry over: the rollups of every series
WITH src AS (SELECT "seriesId" AS s, "step", "value", "wallTime" AS t FROM "MetricPoint"),
r4 AS (SELECT DISTINCT ON (s, step >> 4) s, step >> 4 AS b, step AS ls, value AS lv, t AS lt,
         last_value(step) OVER w AS hs, last_value(value) OVER w AS hv, last_value(t) OVER w AS ht
    FROM src
  WINDOW w AS (PARTITION BY s, step >> 4 ORDER BY value, step ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
   ORDER BY s, step >> 4, value, step),
r6 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r4 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
r8 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r6 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
r10 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r8 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
r12 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r10 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
r14 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r12 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
r16 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r14 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
r18 AS (SELECT DISTINCT ON (s, b >> 2) s, b >> 2 AS b, ls, lv, lt, first_value(hs) OVER h AS hs, first_value(hv) OVER h AS hv, first_value(ht) OVER h AS ht
    FROM r16 WINDOW h AS (PARTITION BY s, b >> 2 ORDER BY hv DESC, hs DESC) ORDER BY s, b >> 2, lv, ls),
rolled ("seriesId", "width", "block", "minStep", "minValue", "minWallTime", "maxStep", "maxValue", "maxWallTime") AS (
  SELECT s, 16, b, ls, lv, lt, hs, hv, ht FROM r4
  UNION ALL SELECT s, 64, b, ls, lv, lt, hs, hv, ht FROM r6
  UNION ALL SELECT s, 256, b, ls, lv, lt, hs, hv, ht FROM r8
  UNION ALL SELECT s, 1024, b, ls, lv, lt, hs, hv, ht FROM r10
  UNION ALL SELECT s, 4096, b, ls, lv, lt, hs, hv, ht FROM r12
  UNION ALL SELECT s, 16384, b, ls, lv, lt, hs, hv, ht FROM r14
  UNION ALL SELECT s, 65536, b, ls, lv, lt, hs, hv, ht FROM r16
  UNION ALL SELECT s, 262144, b, ls, lv, lt, hs, hv, ht FROM r18)
INSERT INTO "MetricRollup" ("seriesId", "width", "block", "minStep", "minValue", "minWallTime", "maxStep", "maxValue", "maxWallTime")
SELECT * FROM rolled;

-- AddForeignKey
ALTER TABLE "MetricSeries" ADD CONSTRAINT "MetricSeries_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Deleting a series (with its run) deletes its points and rollups. A trigger, not foreign keys:
-- a per-row foreign key check on MetricPoint cost as much as the insert (see schema.prisma).
CREATE FUNCTION "MetricSeries_delete_points"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM "MetricPoint" p USING gone WHERE p."seriesId" = gone."id";
  DELETE FROM "MetricRollup" r USING gone WHERE r."seriesId" = gone."id";
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "MetricSeries_delete_points" AFTER DELETE ON "MetricSeries"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION "MetricSeries_delete_points"();
