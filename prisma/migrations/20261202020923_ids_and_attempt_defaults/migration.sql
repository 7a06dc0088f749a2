-- AlterTable
ALTER TABLE "Checkpoint" ALTER COLUMN "id" SET DEFAULT (gen_random_uuid())::text;

-- AlterTable
ALTER TABLE "Experiment" ALTER COLUMN "id" SET DEFAULT (gen_random_uuid())::text;

-- AlterTable
ALTER TABLE "Run" ALTER COLUMN "id" SET DEFAULT (gen_random_uuid())::text,
ALTER COLUMN "maxAttempts" SET DEFAULT 3;

-- AlterTable
ALTER TABLE "Sample" ALTER COLUMN "id" SET DEFAULT (gen_random_uuid())::text;

-- AlterTable
ALTER TABLE "Worker" ALTER COLUMN "id" SET DEFAULT (gen_random_uuid())::text;
