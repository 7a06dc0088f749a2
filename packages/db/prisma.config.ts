// Prisma CLI config (Prisma 7 reads it from the working directory: run the CLI in packages/db).
// Prisma 7 does not load .env, and env("DATABASE_URL") throws when unset, which would break
// even `prisma generate`: set the datasource only when the variable exists.
import { join } from "node:path";
import { defineConfig } from "prisma/config";
import { PRISMA_DIR } from "@unroll/layout";
import { databaseUrl } from "./src/env.js";

const url = databaseUrl();

export default defineConfig({
  schema: join(PRISMA_DIR, "schema.prisma"),
  migrations: { path: join(PRISMA_DIR, "migrations") },
  ...(url ? { datasource: { url } } : {}),
});
