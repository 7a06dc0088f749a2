// OpenBLAS sgemm for tfjs's wasm heap, when the addon was built; otherwise `blas` is null,
// `reason` says why and `notice` is the line users see (with the command that fixes it).
// Loading never throws. Reads UNROLL_NATIVE_BLAS ("0": run without the addon) and OPENBLAS_CORETYPE.
"use strict";
const { join } = require("node:path");

// OpenMP's default (active) wait makes OpenBLAS's threads spin after every call; between the
// many small calls of a training step they then compete with the main thread for the cores
// (measured on 2 cores: 290 vs 800 tokens/s). Passive waiting, unless the user chose otherwise.
// libgomp reads this when the addon loads it, so it must be set before the require below.
if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = "PASSIVE";

// OpenBLAS picks its kernels from the CPU model (DYNAMIC_ARCH). A model it does not know (a
// newer CPU, or a hypervisor that hides the model number, as on the machine of
// benchmarks/RESULTS.md) falls back to "Prescott", SSE3 kernels 2-5x slower than the AVX2 ones
// (measured: [700, 200] x [200, 10000] 59 ms vs 26 ms). So the core type is chosen from the
// instruction sets the CPU reports, unless the user set OPENBLAS_CORETYPE; read at library load.
function coreTypeFromCpuFlags() {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  let flags;
  try {
    const line = require("node:fs")
      .readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("flags"));
    flags = new Set((line || "").split(":")[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return undefined;
  }
  if (["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].every((f) => flags.has(f))) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  return undefined; // older CPUs: OpenBLAS's own detection
}
let coreType = process.env.OPENBLAS_CORETYPE;
if (coreType === undefined) {
  coreType = coreTypeFromCpuFlags();
  if (coreType !== undefined) process.env.OPENBLAS_CORETYPE = coreType;
}

const { FIX, SLOW_PATH, readStatus } = require("./scripts/status-file.cjs");

// UNROLL_NATIVE_BLAS=0 runs without the addon, as a machine without OpenBLAS would (to compare).
const turnedOff = process.env.UNROLL_NATIVE_BLAS === "0";
let blas = null;
let reason = turnedOff ? "the addon is turned off by UNROLL_NATIVE_BLAS=0" : "";
if (!turnedOff) {
  try {
    blas = require(join(__dirname, "build", "Release", "unroll_blas.node"));
  } catch (err) {
    const message = String((err && err.message) || err).split("\n")[0];
    const status = readStatus(); // why the install's build did not produce it
    reason =
      err && err.code === "MODULE_NOT_FOUND"
        ? `the addon is ${status ? status.message : "not built (its install script never ran)"}`
        : `the addon failed to load: ${message}`;
  }
}

/** "" when the addon loaded; else one line: the slow path, why, and the command that fixes it. */
const fix = blas ? "" : turnedOff ? "unset UNROLL_NATIVE_BLAS" : FIX;
const notice = blas ? "" : `${SLOW_PATH} (${reason}). Training runs several times slower. Fix: ${fix}`;

module.exports = { blas, reason, notice, fix, coreType: coreType ?? null };
