// One vitest setup for every package. When UNROLL_TEST_REPORT_DIR is set (CI), each package
// also writes a JSON report there, and .ci/summary.mjs adds them up into one closing line.
import { join } from "node:path";
import { defineConfig, mergeConfig } from "vitest/config";

// vitest 5 declares Node >= 22.12; on Node 20 its reporter calls Map.groupBy (Node 21+) when a
// test fails, and crashes, hiding the failure. This config runs in vitest's main process.
if (typeof Map.groupBy !== "function") {
  Map.groupBy = function groupBy(items, key) {
    const groups = new Map();
    let i = 0;
    for (const item of items) {
      const k = key(item, i++);
      const group = groups.get(k);
      if (group) group.push(item);
      else groups.set(k, [item]);
    }
    return groups;
  };
}
if (typeof Object.groupBy !== "function") {
  Object.groupBy = function groupBy(items, key) {
    const groups = Object.create(null);
    let i = 0;
    for (const item of items) (groups[key(item, i++)] ??= []).push(item);
    return groups;
  };
}

/** The package.json exports condition under which workspace packages name their TypeScript source. */
const SOURCE_CONDITION = "@unroll/source";

/** @param {string} name package short name  @param {import("vitest/config").UserConfig} [overrides] */
export function unrollVitest(name, overrides = {}) {
  const dir = process.env.UNROLL_TEST_REPORT_DIR;
  const tag = process.env.UNROLL_TEST_REPORT_TAG;
  const file = `${name}${tag ? `-${tag}` : ""}.json`;
  return mergeConfig(
    defineConfig({
      // Workspace packages are tested from their TypeScript source: their package.json exports
      // name it under the "@unroll/source" condition (`default` is the built JS, for plain Node).
      // Vite's own defaults follow it (vitest hands the server list to its workers as --conditions).
      resolve: { conditions: [SOURCE_CONDITION, "module", "browser", "development|production"] },
      ssr: { resolve: { conditions: [SOURCE_CONDITION, "node", "development|production"] } },
      test: {
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        reporters: dir ? ["default", ["json", { outputFile: join(dir, file) }]] : ["default"],
        testTimeout: 60_000,
        hookTimeout: 120_000,
      },
    }),
    defineConfig(overrides),
  );
}
