// The addon is optional: its build never fails an install, its loader never throws.
// (Its numerics are tested in @unroll/core against the cpu backend: src/kernels/*.test.ts.)
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { spawnSync } = require("node:child_process");
const { join } = require("node:path");

const { cpSync, mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");

/** A copy of this package without its build, so that a failing build cannot touch the real one. */
function packageCopy(t) {
  const dir = mkdtempSync(join(tmpdir(), "unroll-native-blas-"));
  for (const f of ["index.cjs", "package.json", "scripts", "src"]) cpSync(join(__dirname, "..", f), join(dir, f), { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const loaderState = "const m = require('.'); console.log(JSON.stringify({ loaded: m.blas !== null, reason: m.reason, notice: m.notice, fix: m.fix }))";

test("the install build exits 0 and says why, with the fix, when there is no compiler", (t) => {
  const dir = packageCopy(t);
  const r = spawnSync(process.execPath, [join(dir, "scripts", "build.cjs")], { env: { ...process.env, CC: "/nonexistent/cc" }, encoding: "utf8" });
  assert.strictEqual(r.status, 0);
  assert.match(r.stdout, /@unroll\/native-blas: not built: no C compiler \(\/nonexistent\/cc\)/);
  assert.match(r.stdout, /slow path without it; fix: (sudo )?apt-get install -y build-essential libopenblas-dev && pnpm --filter @unroll\/native-blas build/);
  // The loader, and so core, `pnpm start`, the worker and the run page, say the same later.
  const state = JSON.parse(spawnSync(process.execPath, ["-e", loaderState], { cwd: dir, encoding: "utf8" }).stdout);
  assert.strictEqual(state.loaded, false);
  assert.match(state.reason, /not built: no C compiler/);
  assert.match(state.notice, /^slow path: no OpenBLAS \(the addon is not built: no C compiler .*Fix: .*apt-get install -y build-essential libopenblas-dev/);
  // And the end of `pnpm install` shows it.
  const status = spawnSync(process.execPath, [join(dir, "scripts", "status.cjs")], { encoding: "utf8" });
  assert.match(status.stdout, /!! slow path: no OpenBLAS/);
});

test("--strict (the package's build script) fails instead", (t) => {
  const dir = packageCopy(t);
  const r = spawnSync(process.execPath, [join(dir, "scripts", "build.cjs"), "--strict"], { env: { ...process.env, CC: "/nonexistent/cc" }, encoding: "utf8" });
  assert.strictEqual(r.status, 1);
});

test("UNROLL_NATIVE_BLAS=0 runs without the addon, and the notice says how to undo it", () => {
  const r = spawnSync(process.execPath, ["-e", loaderState], {
    cwd: join(__dirname, ".."),
    env: { ...process.env, UNROLL_NATIVE_BLAS: "0" },
    encoding: "utf8",
  });
  const state = JSON.parse(r.stdout);
  assert.strictEqual(state.loaded, false);
  assert.match(state.notice, /^slow path: no OpenBLAS \(the addon is turned off by UNROLL_NATIVE_BLAS=0\).*Fix: unset UNROLL_NATIVE_BLAS$/);
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
