-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "heartbeatDueAt" TIMESTAMPTZ(3);
