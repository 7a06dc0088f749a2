// @unroll/core as code outside the workspace's TypeScript toolchain sees it: plain Node ESM and
// Deno import its built JS (package.json `default`, built into packages/core/dist by `pnpm install`
// and `pnpm build`), while the workspace reads its source under the "@unroll/source" condition.
// This builds core afresh, then imports every export from a folder outside the repository.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const core = join(root, "packages", "core");
const pkg = JSON.parse(readFileSync(join(core, "package.json"), "utf8")) as { main: string; types: string; exports: Record<string, Record<string, string>> };

// A tiny train, save, load and generate, the way a user's script would do it.
const SCRIPT = `
const core = await import("@unroll/core");
for (const sub of SUBPATHS) await import(sub);
await core.initBackend({ backend: "cpu" });
let last;
await core.runExperiment(
  { task: "lm", data: { corpus: "tiny-shakespeare" }, model: { cell: "gru", embeddingSize: 8, hiddenSize: 8 }, train: { maxSteps: 2, batchSize: 2, bptt: 8, evalEvery: 0, evalBatches: 1, sampleEvery: 0 } },
  { onEvent: (e) => { if (e.type === "checkpoint") last = e.data; } },
);
const model = core.loadModel(last);
const [text] = await model.generate({ prompt: "RO", maxLength: 5, greedy: true });
console.log(JSON.stringify({ text, format: core.CHECKPOINT_FORMAT }));
`;

describe("@unroll/core built", () => {
  let outside: string;
  beforeAll(() => {
    execFileSync("pnpm", ["--filter", "@unroll/core", "run", "build"], { cwd: root, stdio: "pipe" });
    // a project of the user's own, outside the repository, with core in its node_modules
    outside = mkdtempSync(join(tmpdir(), "unroll-core-user-"));
    mkdirSync(join(outside, "node_modules", "@unroll"), { recursive: true });
    symlinkSync(core, join(outside, "node_modules", "@unroll", "core"));
    writeFileSync(join(outside, "package.json"), JSON.stringify({ type: "module", dependencies: { "@unroll/core": "*" } })); // Deno reads node_modules for what this names
  }, 120_000);

  it("has built JS and declarations for every export, and the TypeScript source under @unroll/source", () => {
    // main and types: for resolvers that predate exports (tslab's TypeScript 5.0, say)
    for (const file of [pkg.main, pkg.types]) expect(existsSync(join(core, file)), file).toBe(true);
    for (const [subpath, entry] of Object.entries(pkg.exports)) {
      expect(Object.keys(entry), subpath).toEqual(["@unroll/source", "types", "default"]);
      expect(entry["@unroll/source"], subpath).toMatch(/^\.\/src\/.*\.ts$/);
      for (const file of Object.values(entry)) expect(existsSync(join(core, file)), `${subpath}: ${file}`).toBe(true);
    }
  });

  const subpaths = JSON.stringify(
    Object.keys(pkg.exports)
      .filter((s) => s !== ".")
      .map((s) => `@unroll/core/${s.slice(2)}`),
  );
  const script = SCRIPT.replace("SUBPATHS", subpaths);

  it("trains, loads and generates from plain Node ESM (node --input-type=module)", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: outside, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { text: string; format: string };
    expect(out.format).toBe("unroll-checkpoint");
    expect(out.text).toMatch(/^RO.{5}$/s);
  }, 120_000);

  it("does the same in Deno, the notebooks' kernel", () => {
    let deno: string;
    try {
      deno = createRequire(join(root, "notebooks", "package.json"))("deno/install_api.cjs").runInstall() as string;
    } catch (error) {
      throw new Error(`Deno is missing (the npm package \`deno\`, a dependency of notebooks/): run pnpm install (${String(error)})`);
    }
    const r = spawnSync(deno, ["eval", "--quiet", script], {
      cwd: outside,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout.trim().split("\n").pop()!) as { text: string }).text).toMatch(/^RO.{5}$/s);
  }, 120_000);
});
