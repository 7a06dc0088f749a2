/** The repository root (no trailing separator). */
export const REPO_ROOT: string;
/** prisma/: the one schema and its migrations. */
export const PRISMA_DIR: string;
/** examples/: the example experiment configs. */
export const EXAMPLES_DIR: string;
/** apps/web/scripts/serve.mjs. */
export const DASHBOARD_SERVE_SCRIPT: string;
/** packages/core/test-fixtures. */
export const CORE_TEST_FIXTURES: string;
/** packages/core/python (the PyTorch loader, unroll_torch.py). */
export const CORE_PYTHON_DIR: string;
/** packages/core/CHECKPOINT.md. */
export const CHECKPOINT_DOC: string;
