// OpenBLAS sgemm for tfjs's wasm heap, when the addon was built; otherwise `blas` is null and
// `reason` says why. Loading never throws.
"use strict";
const { join } = require("node:path");

// OpenMP's default (active) wait makes OpenBLAS's threads spin after every call; between the
// many small calls of a training step they then compete with the main thread for the cores
// (measured on 2 cores: 290 vs 800 tokens/s). Passive waiting, unless the user chose otherwise.
// libgomp reads this when the addon loads it, so it must be set before the require below.
if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "PASSIVE";

let blas = null;
let reason = "";
try {
  blas = require(join(__dirname, "build", "Release", "unroll_blas.node"));
} catch (err) {
  const message = String((err && err.message) || err).split("\n")[0];
  reason = err && err.code === "MODULE_NOT_FOUND"
    ? "the addon is not built (needs a C compiler and libopenblas-dev; run `pnpm --filter @unroll/native-blas build`)"
    : `the addon failed to load: ${message}`;
}

module.exports = { blas, reason };
