// OpenBLAS sgemm for tfjs's wasm heap, when the addon was built; otherwise `blas` is null and
// `reason` says why. Loading never throws.
"use strict";
const { join } = require("node:path");

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
