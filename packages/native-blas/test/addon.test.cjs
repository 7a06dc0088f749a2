// The addon is optional: its build never fails an install, its loader never throws.
// (Its numerics are tested in @unroll/core against the cpu backend: src/kernels/*.test.ts.)
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { spawnSync } = require("node:child_process");
const { join } = require("node:path");

const build = join(__dirname, "..", "scripts", "build.cjs");

test("the install build exits 0 and says why when there is no compiler", () => {
  const r = spawnSync(process.execPath, [build], { env: { ...process.env, CC: "/nonexistent/cc" }, encoding: "utf8" });
  assert.strictEqual(r.status, 0);
  assert.match(r.stdout, /@unroll\/native-blas: (failed|skipped)/);
});

test("--strict (the package's build script) fails instead", () => {
  const r = spawnSync(process.execPath, [build, "--strict"], { env: { ...process.env, CC: "/nonexistent/cc" }, encoding: "utf8" });
  assert.strictEqual(r.status, 1);
});

test("loading never throws: blas or a reason", () => {
  const { blas, reason } = require("..");
  if (blas) {
    assert.strictEqual(reason, "");
    assert.match(blas.config(), /OpenBLAS/);
    // 2x2: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50], in a plain ArrayBuffer-backed heap
    const heap = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
    blas.sgemm(new Uint8Array(heap.buffer), false, false, 1, 2, 2, 2, 1, 0, 0, 16, 0, 0, 32, 0);
    assert.deepStrictEqual(Array.from(heap.subarray(8)), [19, 22, 43, 50]);
    assert.throws(() => blas.sgemm(new Uint8Array(heap.buffer), false, false, 1, 2, 2, 2, 1, 0, 0, 16, 0, 0, 40, 0), /outside the heap/);
  } else {
    assert.notStrictEqual(reason, "");
  }
});

test("OpenBLAS's kernels follow the CPU's instruction sets unless OPENBLAS_CORETYPE is set", () => {
  const show = "const m = require('.'); console.log(JSON.stringify({ coreType: m.coreType, config: m.blas ? m.blas.config() : null }))";
  const run = (env) => JSON.parse(spawnSync(process.execPath, ["-e", show], { cwd: join(__dirname, ".."), env, encoding: "utf8" }).stdout);
  const { OPENBLAS_CORETYPE: _, ...clean } = process.env;
  const chosen = run(clean);
  const flags = require("node:fs").existsSync("/proc/cpuinfo") ? require("node:fs").readFileSync("/proc/cpuinfo", "utf8") : "";
  if (process.arch === "x64" && /\bavx2\b/.test(flags) && /\bfma\b/.test(flags)) {
    assert.match(chosen.coreType, /^(SkylakeX|Haswell)$/);
    if (chosen.config) assert.ok(chosen.config.includes(chosen.coreType), chosen.config); // OpenBLAS took it
  }
  const forced = run({ ...clean, OPENBLAS_CORETYPE: "Haswell" });
  assert.strictEqual(forced.coreType, "Haswell");
  if (forced.config) assert.match(forced.config, /Haswell/);
});
