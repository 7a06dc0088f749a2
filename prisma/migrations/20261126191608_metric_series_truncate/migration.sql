-- TRUNCATE of MetricSeries (directly, or cascaded from "Run" or "Experiment") fires no delete
-- trigger, and MetricPoint/MetricRollup have no foreign key that would cascade it: empty them too,
-- so that no points are left behind for series ids that no longer exist.
CREATE FUNCTION "MetricSeries_truncate_points"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  TRUNCATE "MetricPoint", "MetricRollup";
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "MetricSeries_truncate_points" AFTER TRUNCATE ON "MetricSeries"
  FOR EACH STATEMENT EXECUTE FUNCTION "MetricSeries_truncate_points"();
