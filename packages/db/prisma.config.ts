// Prisma CLI config (Prisma 7 reads it from the working directory: run the CLI in packages/db).
// Prisma 7 does not load .env, and env("DATABASE_URL") throws when unset, which would break
// even `prisma generate`: set the datasource only when the variable exists.
import { defineConfig } from "prisma/config";

const url = process.env.DATABASE_URL;

export default defineConfig({
  schema: "../../prisma/schema.prisma",
  migrations: { path: "../../prisma/migrations" },
  ...(url ? { datasource: { url } } : {}),
});
