// The boundaries hold: each package's own lint config (its eslint.config.js, as `pnpm lint` runs
// it) fails on a deliberate violation of each rule, and passes the allowed form next to it. The
// code is linted as if it were a file in that package (ESLint's lintText with a filePath there).
import { join } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "@unroll/layout";

/** The rule ids ESLint reports for `code` as the file `file` of package folder `pkg`. */
async function ruleIds(pkg: string, file: string, code: string): Promise<string[]> {
  const cwd = join(REPO_ROOT, pkg);
  const eslint = new ESLint({ cwd });
  const [result] = await eslint.lintText(code, { filePath: join(cwd, file) });
  expect(result, `${pkg}/${file} was linted`).toBeDefined();
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, "the probe parses").toEqual([]);
  return result!.messages.map((m) => m.ruleId ?? "");
}

describe("env is read only in each package's env module", () => {
  it("fails on process.env outside it, in every package", async () => {
    for (const pkg of ["packages/runner", "packages/api", "packages/db", "packages/domain", "packages/core", "apps/web"]) {
      expect(await ruleIds(pkg, "src/probe.ts", "export const port = process.env.PORT;\n"), pkg).toContain("no-restricted-properties");
    }
    expect(await ruleIds("apps/web", "scripts/probe.mjs", "export const { HOST } = process.env;\n")).toContain("no-restricted-properties");
    expect(await ruleIds("packages/runner", "src/probe.ts", 'import { env } from "node:process";\nexport const port = env.PORT;\n')).toContain(
      "no-restricted-imports",
    );
  });

  it("passes it in the env module and in tests (they set up their children's environment)", async () => {
    expect(await ruleIds("packages/runner", "src/env.ts", "export const port = () => process.env.PORT;\n")).toEqual([]);
    expect(await ruleIds("apps/web", "src/env.mjs", 'import process from "node:process";\nexport const port = () => process.env.PORT;\n')).toEqual([]);
    expect(await ruleIds("packages/runner", "test/probe.test.ts", "export const env = { ...process.env, X: '1' };\n")).toEqual([]);
  });
});

describe("no package reaches into another's folders by relative path", () => {
  it("fails on imports, URLs and requires that leave the package", async () => {
    const cases = [
      'export { appRouter } from "../../api/src/root.js";\n',
      'import { claimRun } from "../../runner/src/queue/claim.js";\nexport const c = claimRun;\n',
      'export const demo = new URL("../../../examples/char-lstm-shakespeare.json", import.meta.url);\n',
      "export const example = (name: string) => new URL(`../../../examples/${name}.json`, import.meta.url);\n",
      'export const prisma = new URL("../../../prisma/", import.meta.url);\n',
      'export const lazy = () => import("../../db/src/index.js");\n',
    ];
    for (const code of cases) expect(await ruleIds("packages/core", "src/probe.ts", code), code).toContain("unroll/no-cross-package-paths");
    expect(
      await ruleIds("apps/web", "scripts/probe.mjs", 'export const serve = new URL("../../../packages/runner/bin/unroll.js", import.meta.url);\n'),
    ).toContain("unroll/no-cross-package-paths");
  });

  it("passes paths inside the package, and other packages by name", async () => {
    const code =
      'import { z } from "zod";\nimport { RUN_STATUSES } from "@unroll/domain";\nexport const data = new URL("../data", import.meta.url);\nexport { z, RUN_STATUSES };\n';
    expect(await ruleIds("packages/core", "src/probe.ts", code)).toEqual([]);
  });
});

describe("the web app imports only the api, the domain and core's config entry", () => {
  it("fails on the database, core's index and kernels, the runner", async () => {
    for (const spec of ["@unroll/db", "@unroll/db/testing", "@unroll/core", "@unroll/core/kernels", "@unroll/runner"]) {
      expect(await ruleIds("apps/web", "src/components/probe.tsx", `import { x } from "${spec}";\nexport const y = x;\n`), spec).toContain(
        "@typescript-eslint/no-restricted-imports",
      );
    }
    expect(await ruleIds("apps/web", "src/server/probe.ts", 'import type { Db } from "@unroll/db";\nexport type D = Db;\n')).toContain(
      "@typescript-eslint/no-restricted-imports",
    );
  });

  it("passes @unroll/api, @unroll/domain and @unroll/core/config", async () => {
    const code =
      'import type { AppRouter } from "@unroll/api";\nimport { RUN_STATUSES } from "@unroll/domain";\nimport { ExperimentConfigSchema } from "@unroll/core/config";\nexport type R = AppRouter;\nexport { RUN_STATUSES, ExperimentConfigSchema };\n';
    expect(await ruleIds("apps/web", "src/components/probe.tsx", code)).toEqual([]);
  });
});

describe("@unroll/domain imports only core's config entry and zod", () => {
  it("fails on core's index, the database and anything else", async () => {
    for (const spec of ["@unroll/core", "@unroll/db", "@unroll/api", "pg", "node:fs"]) {
      expect(await ruleIds("packages/domain", "src/probe.ts", `import { x } from "${spec}";\nexport const y = x;\n`), spec).toContain(
        "@typescript-eslint/no-restricted-imports",
      );
    }
  });

  it("passes @unroll/core/config and zod", async () => {
    expect(
      await ruleIds(
        "packages/domain",
        "src/probe.ts",
        'import { ExperimentConfigSchema } from "@unroll/core/config";\nimport { z } from "zod";\nexport { ExperimentConfigSchema, z };\n',
      ),
    ).toEqual([]);
  });
});
