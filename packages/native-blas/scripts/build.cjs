// Builds build/Release/unroll_blas.node with the C compiler against Node's headers and OpenBLAS.
// Runs on `pnpm install` (this package's install script) and by hand (`pnpm --filter
// @unroll/native-blas build`). It NEVER fails the install: without a compiler, Node headers or
// libopenblas-dev it prints why and exits 0, and @unroll/core keeps its wasm matMul.
// (binding.gyp builds the same file with node-gyp, for those who prefer it.)
"use strict";
const { execFileSync } = require("node:child_process");
const { existsSync, mkdirSync } = require("node:fs");
const { dirname, join } = require("node:path");
const os = require("node:os");

const root = join(__dirname, "..");
const out = join(root, "build", "Release", "unroll_blas.node");
const strict = process.argv.includes("--strict"); // exit 1 on failure (CI that wants the addon)

function nodeHeaders() {
  const candidates = [
    join(dirname(process.execPath), "..", "include", "node"),
    "/usr/include/node",
    join(os.homedir(), ".cache", "node-gyp", process.versions.node, "include", "node"),
  ];
  return candidates.find((d) => existsSync(join(d, "node_api.h")));
}

function cblasHeaders() {
  const candidates = ["/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu", "/usr/include/openblas", "/usr/include", "/usr/local/include"];
  return candidates.filter((d) => existsSync(join(d, "cblas.h")));
}

function main() {
  if (process.env.UNROLL_NATIVE_BLAS_SKIP_BUILD === "1") return "skipped (UNROLL_NATIVE_BLAS_SKIP_BUILD=1)";
  if (process.platform === "win32") return "skipped: Windows is not supported (the wasm matMul is used)";
  const headers = nodeHeaders();
  if (!headers) return "skipped: Node's headers (node_api.h) were not found";
  const cblas = cblasHeaders();
  if (cblas.length === 0) return "skipped: cblas.h not found (Debian/Ubuntu: apt-get install libopenblas-dev)";
  mkdirSync(dirname(out), { recursive: true });
  const cc = process.env.CC || "cc";
  const args = ["-O3", "-march=native", "-ffast-math", "-fno-finite-math-only", "-std=c11", "-fopenmp", "-shared", "-fPIC", "-DNODE_GYP_MODULE_NAME=unroll_blas", `-I${headers}`, ...cblas.map((d) => `-I${d}`), join(root, "src", "unroll_blas.c"), "-o", out, "-lopenblas", "-lm"];
  try {
    execFileSync(cc, args, { stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const why = String(err.stderr || err.message).trim().split("\n").slice(-3).join(" | ");
    return `failed (${cc}): ${why}`;
  }
  return `built ${out}`;
}

const result = main();
console.log(`@unroll/native-blas: ${result}`);
if (strict && !result.startsWith("built")) process.exit(1);
