// Printed at the end of `pnpm install` (the root postinstall): whether training gets the native
// addon, and if not why and the one command that fixes it, as the last lines a user sees.
"use strict";
const { blas, notice } = require("..");

if (blas) {
  console.log(`@unroll/native-blas: ready (${blas.config()})`);
} else {
  const rule = "!".repeat(78);
  console.log([rule, `!! ${notice}`, rule].join("\n"));
}
