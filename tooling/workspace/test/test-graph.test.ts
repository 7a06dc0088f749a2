// `pnpm test` (the README's test command) runs tests and the Prisma client's generation, and
// nothing else: no benchmark, whose peers (PyTorch) a fresh machine does not have. It once ran
// the generation benchmark, because turbo's `test` depends on every package's `generate` task and
// the benchmarks package had a script of that name.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT as root } from "@unroll/layout";

const turbo = join(root, "node_modules", ".bin", "turbo");

interface DryTask {
  taskId: string;
  task: string;
  package: string;
  command: string;
  directory: string;
}

/** The tasks the root `test` script would run, from turbo's dry run of that same command line. */
function testGraph(): DryTask[] {
  const script = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["test"] ?? "";
  const [bin, ...args] = script.split(/\s+/);
  expect(bin, `the root test script is "${script}"`).toBe("turbo");
  const out = execFileSync(turbo, [...args, "--dry=json"], { cwd: root, encoding: "utf8", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } });
  return (JSON.parse(out) as { tasks: DryTask[] }).tasks;
}

/** The only tasks with a command that `pnpm test` may run besides each package's tests. */
const ALLOWED_NON_TEST = new Set(["@unroll/db#generate"]);

describe("pnpm test", () => {
  const tasks = testGraph();
  const runs = tasks.filter((t) => t.command !== "<NONEXISTENT>");

  it("runs the suites of the packages that have them", () => {
    const tested = runs.filter((t) => t.task === "test").map((t) => t.package);
    for (const p of [
      "@unroll/core",
      "@unroll/db",
      "@unroll/runner",
      "@unroll/api",
      "@unroll/web",
      "@unroll/native-blas",
      "@unroll/domain",
      "@unroll/eslint-config",
    ])
      expect(tested).toContain(p);
  });

  it("runs no benchmark and nothing but tests and the Prisma client's generation", () => {
    const other = runs.filter((t) => t.task !== "test" && !ALLOWED_NON_TEST.has(t.taskId));
    expect(other.map((t) => `${t.taskId}: ${t.command}`)).toEqual([]);
    const benchmarks = runs.filter((t) => t.directory === "benchmarks" || /run\.mjs|python|bench/.test(t.command));
    expect(benchmarks.map((t) => `${t.taskId}: ${t.command}`)).toEqual([]);
  });
});
