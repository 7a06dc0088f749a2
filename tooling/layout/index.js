// Where this checkout keeps what other packages reach by path rather than by import. The one
// module that walks up from a package to the repository root: lint forbids it everywhere else
// (unroll/no-cross-package-paths in @unroll/eslint-config).
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is tooling/layout/index.js). */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** prisma/: the one schema and its migrations. */
export const PRISMA_DIR = join(REPO_ROOT, "prisma");

/** examples/: the example experiment configs (the dashboard's presets, the demo sweep). */
export const EXAMPLES_DIR = join(REPO_ROOT, "examples");

/** The dashboard's launcher (apps/web/scripts/serve.mjs): builds when stale, then `next start`. */
export const DASHBOARD_SERVE_SCRIPT = join(REPO_ROOT, "apps", "web", "scripts", "serve.mjs");

/** packages/core/test-fixtures: small data files the other packages' tests train on. */
export const CORE_TEST_FIXTURES = join(REPO_ROOT, "packages", "core", "test-fixtures");

/** packages/core/python: the PyTorch loader (unroll_torch.py) for what `unroll export` writes. */
export const CORE_PYTHON_DIR = join(REPO_ROOT, "packages", "core", "python");

/** packages/core/CHECKPOINT.md: the checkpoint format, whose PyTorch example a test runs verbatim. */
export const CHECKPOINT_DOC = join(REPO_ROOT, "packages", "core", "CHECKPOINT.md");
