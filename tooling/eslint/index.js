// One lint setup for every package: `import config from "@unroll/eslint-config"`. Besides the
// recommended rules it holds the house's boundaries (create-t3-turbo's restrictEnvAccess and
// no-restricted-imports), so that they are kept by lint, not by goodwill:
// - the environment is read only in each package's env module (env.ts, env.mjs);
// - no relative path leaves its package (unroll/no-cross-package-paths);
// - `webBoundaries`: the web app imports only @unroll/api, @unroll/domain and @unroll/core/config;
// - `domainBoundaries`: @unroll/domain imports only @unroll/core/config and zod.
// test/boundaries.test.ts shows each rule failing on a deliberate violation.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import noCrossPackagePaths from "./rules/no-cross-package-paths.js";

const SOURCES = ["**/*.{js,mjs,cjs,ts,mts,cts,tsx}"];
/** Test code sets up environments for the processes it starts; it is not configuration. */
const TESTS = ["**/*.test.{ts,tsx}", "**/test/**", "**/e2e/**", "**/__fixtures__/**"];
const ENV_MODULES = ["**/env.{ts,mts,js,mjs}"];

const ENV_MESSAGE = "read the environment in this package's env module (src/env.ts, or env.mjs in the web app) and import what you need from it";

/** process.env only in env modules (and tests). */
export const restrictEnvAccess = [
  {
    files: SOURCES,
    ignores: [...ENV_MODULES, ...TESTS],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: ENV_MESSAGE }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "process", importNames: ["env"], message: ENV_MESSAGE },
            { name: "node:process", importNames: ["env"], message: ENV_MESSAGE },
          ],
        },
      ],
    },
  },
];

/** No relative path out of the package (another package's src/, the repository's folders). */
export const noCrossPackagePathsConfig = [
  {
    files: SOURCES,
    plugins: { unroll: { rules: { "no-cross-package-paths": noCrossPackagePaths } } },
    rules: { "unroll/no-cross-package-paths": "error" },
  },
];

const escape = (name) => name.replace(/[/.]/g, "\\$&");

/** Imports limited to the workspace packages named (tooling configs are always allowed), and `more` patterns. */
function onlyWorkspaceImports(allowed, message, more = []) {
  const names = [...allowed, "eslint-config", "vitest-config"].map(escape).join("|");
  return [
    {
      files: SOURCES,
      // a rule of its own name, so that it does not replace restrictEnvAccess's no-restricted-imports
      rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [{ regex: `^@unroll/(?!(?:${names})$)`, message }, ...more] }] },
    },
  ];
}

export const webBoundaries = onlyWorkspaceImports(
  ["api", "domain", "core/config"],
  "the web app imports only @unroll/api, @unroll/domain and @unroll/core/config: ask the api for what it needs (the api owns db and core)",
);

const DOMAIN_MESSAGE = "@unroll/domain is pure and tiny, imported by every package: it imports only @unroll/core/config and zod";
export const domainBoundaries = onlyWorkspaceImports(["core/config"], DOMAIN_MESSAGE, [
  { regex: "^(?!\\.|@unroll/|zod(?:/|$)|vitest(?:/|$))", message: DOMAIN_MESSAGE },
]);

export default tseslint.config(
  { ignores: ["**/dist/**", "**/.next/**", "**/generated/**", "**/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  ...restrictEnvAccess,
  ...noCrossPackagePathsConfig,
);
