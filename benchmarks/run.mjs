#!/usr/bin/env node
// One entry for every benchmark: `node benchmarks/run.mjs <train|generate|ingest|dashboard|diagnostics|quality> [options]`
// (the root scripts `pnpm bench:<name>` call this). Each benchmark runs Unroll and its peer in the
// same invocation and prints one JSON object with its figures as its LAST line. See RESULTS.md.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const NAMES = ["train", "generate", "ingest", "dashboard", "diagnostics", "quality"];
const [name, ...rest] = process.argv.slice(2);
if (!NAMES.includes(name)) {
  console.error(`usage: node benchmarks/run.mjs <${NAMES.join("|")}> [--quick] [--steps N] [--reps N] ...`);
  process.exit(2);
}
const tsx = join(here, "node_modules", ".bin", "tsx");
if (!existsSync(tsx)) {
  console.error("benchmarks/node_modules is missing: run `pnpm install` at the repository root first.");
  process.exit(2);
}
// Measure the workspace packages' TypeScript source (their package.json exports name it under the
// "@unroll/source" condition), never a stale build of it: in this process tree, every Node asks for it.
const NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=@unroll/source`.trim();
const r = spawnSync(tsx, [join(here, `${name}.ts`), ...rest], { stdio: "inherit", cwd: here, env: { ...process.env, NODE_OPTIONS } });
process.exit(r.status ?? 1);
