#!/usr/bin/env node
/* global process */
// `prisma generate` without native engines.
// The Prisma 7 CLI downloads the native schema engine before generating unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file; generate never executes it (the client is
// built by Wasm), so any file will do. We point it at this script unless the user set one.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "..");
// This launcher runs at install, before anything can load db's TypeScript env module.
// eslint-disable-next-line no-restricted-properties -- the child's environment: this one's, quieter
const env = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("prisma/package.json")), "build", "index.js");
const result = spawnSync(process.execPath, [cli, "generate", ...process.argv.slice(2)], {
  cwd: pkgDir,
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
