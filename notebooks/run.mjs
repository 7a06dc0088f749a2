// `pnpm test:notebooks`: runs every notebook in this folder headless, top to bottom, as Jupyter
// would, with Deno's TypeScript kernel, and fails on the first cell that raises. It builds
// @unroll/core first (the kernel imports its built JS), and writes the executed copies to
// $UNROLL_NOTEBOOK_OUT (default: a fresh folder under the system's temp dir).
// Needs Jupyter's nbconvert (Debian: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const notebooks = readdirSync(here)
  .filter((f) => f.endsWith(".ipynb") && (only.length === 0 || only.includes(f)))
  .sort();
if (notebooks.length === 0) fail(`no notebook to run in ${here}${only.length ? ` named ${only.join(", ")}` : ""}`);

const python = jupyterPython();
// deno's own way to find its platform binary (the bin shim would sit between Jupyter and the kernel)
const deno = createRequire(import.meta.url)("deno/install_api.cjs").runInstall();

console.log("== building @unroll/core");
execFileSync("pnpm", ["--filter", "@unroll/core", "run", "build"], { cwd: here, stdio: "inherit" });

// The kernel spec lives in a folder of its own on JUPYTER_PATH: nothing is installed for the user.
const out = process.env.UNROLL_NOTEBOOK_OUT || mkdtempSync(join(tmpdir(), "unroll-notebooks-"));
const kernels = join(out, "jupyter", "kernels", "deno");
mkdirSync(kernels, { recursive: true });
writeFileSync(
  join(kernels, "kernel.json"),
  JSON.stringify({ argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"], display_name: "Deno", language: "typescript" }),
);
const env = { ...process.env, JUPYTER_PATH: join(out, "jupyter"), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };

let failed = 0;
for (const nb of notebooks) {
  const started = Date.now();
  console.log(`== ${nb}`);
  const r = spawnSync(
    python,
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      "--ExecutePreprocessor.timeout=600",
      "--output-dir",
      out,
      join(here, nb),
    ],
    { cwd: here, env, stdio: "inherit" },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status === 0) console.log(`ok ${nb} (${seconds} s; executed copy in ${join(out, nb)})`);
  else {
    failed++;
    console.error(`FAILED ${nb} after ${seconds} s: a cell raised (its traceback is above)`);
  }
}
process.exit(failed ? 1 : 0);

/** Debian's python3 (where apt puts Jupyter) when it has nbconvert and nbclient, else the python3 on PATH. */
function jupyterPython() {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(candidate, ["-c", "import nbconvert, nbclient"], { stdio: "ignore" });
    if (r.status === 0) return candidate;
  }
  fail(
    "Jupyter's nbconvert and nbclient are missing (neither /usr/bin/python3 nor python3 can import them); on Debian: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel",
  );
}

function fail(message) {
  console.error(`test:notebooks: ${message}`);
  process.exit(1);
}
