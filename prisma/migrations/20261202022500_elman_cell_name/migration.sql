-- The Elman cell has one name, "elman" (configs used to say "rnn"; core and checkpoints said
-- "elman"). Configs are normalised when parsed; this renames the stored copies too, so that the
-- runs page's cell filter and `unroll inspect` find runs stored before the rename.
UPDATE "Run" SET "cell" = 'elman' WHERE "cell" = 'rnn';
UPDATE "Run" SET "config" = jsonb_set("config", '{model,cell}', '"elman"')
 WHERE jsonb_typeof("config" -> 'model') = 'object' AND "config" -> 'model' ->> 'cell' = 'rnn';
