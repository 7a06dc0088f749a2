// One vitest setup for every package. When UNROLL_TEST_REPORT_DIR is set (CI), each package
// also writes a JSON report there, and .ci/summary.mjs adds them up into one closing line.
import { join } from "node:path";
import { defineConfig, mergeConfig } from "vitest/config";

/** @param {string} name package short name  @param {import("vitest/config").UserConfig} [overrides] */
export function unrollVitest(name, overrides = {}) {
  const dir = process.env.UNROLL_TEST_REPORT_DIR;
  const tag = process.env.UNROLL_TEST_REPORT_TAG;
  const file = `${name}${tag ? `-${tag}` : ""}.json`;
  return mergeConfig(
    defineConfig({
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
