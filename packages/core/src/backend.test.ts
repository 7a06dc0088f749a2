// Backend selection: forced, from the environment, the default order, and what is reported.
import * as tf from "@tensorflow/tfjs-core";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { DEFAULT_BACKEND_ORDER, initBackend, wasmDevice } from "./backend.js";
import { BackendError } from "./errors.js";
import { nativeBlasInfo } from "./kernels/index.js";
import { linuxGpuDevices } from "./backend-webgpu.js";

const saved = process.env["UNROLL_BACKEND"];
afterEach(() => {
  if (saved === undefined) delete process.env["UNROLL_BACKEND"];
  else process.env["UNROLL_BACKEND"] = saved;
});

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe("the device string", () => {
  const off = { available: false, active: false, reason: "the addon is not built: no C compiler (cc)", threads: 0, config: "", coreType: null };
  it("names OpenBLAS's kernels and threads on the fast path", () => {
    const on = { available: true, active: true, reason: "", notice: "", threads: 2, config: "OpenBLAS 0.3.21", coreType: "SkylakeX" };
    expect(wasmDevice("SIMD, 1 thread", on)).toBe("CPU (WebAssembly, SIMD, 1 thread; OpenBLAS SkylakeX, 2 threads)");
  });
  it("says slow path without the addon (the run page shows it)", () => {
    expect(wasmDevice("SIMD, 1 thread", { ...off, notice: "slow path: no OpenBLAS (...). Fix: x" })).toBe(
      "CPU (WebAssembly, SIMD, 1 thread; slow path: no OpenBLAS)",
    );
  });
  it("is plain when the addon is there but switched off on purpose", () => {
    expect(wasmDevice("SIMD, 1 thread", { ...off, available: true, notice: "" })).toBe("CPU (WebAssembly, SIMD, 1 thread)");
  });
  it("a process without the addon reports the slow path and its fix from initBackend", () => {
    const script = `import { initBackend } from "./src/index.ts"; const b = await initBackend({ backend: "wasm" }); console.log(JSON.stringify({ device: b.device, notice: b.notice }));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url),
      env: { ...process.env, UNROLL_NATIVE_BLAS: "0" },
      encoding: "utf8",
    });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    expect(JSON.parse(line)).toEqual({
      device: "CPU (WebAssembly, SIMD, 1 thread; slow path: no OpenBLAS)",
      notice: "slow path: no OpenBLAS (the addon is turned off by UNROLL_NATIVE_BLAS=0). Training runs several times slower. Fix: unset UNROLL_NATIVE_BLAS",
    });
  });
});

describe("initBackend", () => {
  it("starts a forced cpu backend, with gradients and our cpu kernel", async () => {
    const info = await initBackend({ backend: "cpu" });
    expect(info).toMatchObject({ name: "cpu", tfBackend: "cpu", chosenBy: "option", threads: 1, skipped: [] });
    expect(info.kernels).toContain("UnsortedSegmentSum");
    expect(tf.getBackend()).toBe("cpu");
    expect(tf.getGradient("BatchMatMul")).toBeDefined();
  });

  it("starts a forced wasm backend with SIMD and our kernels", async () => {
    const info = await initBackend({ backend: "wasm" });
    expect(info).toMatchObject({ name: "wasm", tfBackend: "wasm", simd: true, threads: 1 });
    expect(info.device).toMatch(/WebAssembly, SIMD, 1 thread/);
    expect(info.kernels).toEqual(expect.arrayContaining(["BatchMatMul", "_FusedMatMul", "Slice", "SplitV", "Unpack", "UnsortedSegmentSum"]));
    expect(tf.getBackend()).toBe("wasm");
  });

  // the device says whether matMuls and fused layers run on OpenBLAS; one of these two runs here
  const blas = nativeBlasInfo();
  it.skipIf(!blas.active)(`names OpenBLAS in the device with the addon active${blas.active ? "" : ` (skipped: ${blas.reason})`}`, async () => {
    const info = await initBackend({ backend: "wasm" });
    expect(info.device).toContain(`OpenBLAS${blas.coreType ? ` ${blas.coreType}` : ""}, ${blas.threads} thread`);
    expect(info.notice).toBe("");
  });

  it.skipIf(blas.active)(`says slow path and the fix without the addon${blas.active ? " (skipped: the addon is active here)" : ""}`, async () => {
    const info = await initBackend({ backend: "wasm" });
    expect(info.device).toContain("slow path: no OpenBLAS");
    expect(info.notice).toMatch(/^slow path: no OpenBLAS \(.+\)\. .*Fix: /);
  });

  it.skipIf(installed("@tensorflow/tfjs-node-gpu"))("throws BackendError saying why a forced tensorflow-gpu cannot start, and how to get it", async () => {
    const err = await initBackend({ backend: "tensorflow-gpu" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(/backend "tensorflow-gpu" is not available: @tensorflow\/tfjs-node-gpu is not installed/);
    expect((err as Error).message).toMatch(/Install @tensorflow\/tfjs-node-gpu@4\.22\.0.*README/);
  });

  it("reads UNROLL_BACKEND, and the option wins over it", async () => {
    process.env["UNROLL_BACKEND"] = "cpu";
    expect(await initBackend()).toMatchObject({ name: "cpu", chosenBy: "env" });
    expect(await initBackend({ backend: "wasm" })).toMatchObject({ name: "wasm", chosenBy: "option" });
  });

  it("rejects an unknown UNROLL_BACKEND, naming the variable", async () => {
    process.env["UNROLL_BACKEND"] = "tpu";
    await expect(initBackend()).rejects.toThrow(/UNROLL_BACKEND is "tpu"; expected one of tensorflow-gpu, tensorflow, webgpu, wasm, cpu/);
  });

  it.skipIf(installed("@tensorflow/tfjs-node"))(
    "rejects a forced UNROLL_BACKEND that is missing, naming the variable (skipped where @tensorflow/tfjs-node is installed)",
    async () => {
      process.env["UNROLL_BACKEND"] = "tensorflow";
      await expect(initBackend()).rejects.toThrow(/UNROLL_BACKEND=tensorflow is not available: @tensorflow\/tfjs-node is not installed/);
    },
  );

  it("rejects a bad thread count", async () => {
    await expect(initBackend({ backend: "wasm", threads: 0 })).rejects.toThrow(BackendError);
    await expect(initBackend({ backend: "wasm", threads: 9 })).rejects.toThrow(/from 1 to 8/);
  });

  it("falls through the default order to wasm here, reporting each skipped backend", async () => {
    delete process.env["UNROLL_BACKEND"];
    const info = await initBackend();
    expect(info.chosenBy).toBe("default");
    const at = DEFAULT_BACKEND_ORDER.indexOf(info.name);
    expect(info.skipped.map((s) => s.name)).toEqual(DEFAULT_BACKEND_ORDER.slice(0, at));
    for (const s of info.skipped) expect(s.reason).not.toBe("");
  });

  const noGpu = linuxGpuDevices()?.length === 0;
  it.skipIf(installed("@tensorflow/tfjs-node-gpu") || installed("@tensorflow/tfjs-node") || !noGpu)(
    "lands on wasm without a GPU or libtensorflow, saying why each was skipped (skipped on a GPU machine or where a tfjs-node package is)",
    async () => {
      delete process.env["UNROLL_BACKEND"];
      const info = await initBackend();
      expect(info.name).toBe("wasm");
      expect(info.skipped).toEqual([
        { name: "webgpu", reason: "no GPU device on this machine (none of /dev/nvidia*, /dev/dri/renderD*, /dev/dxg, /dev/kfd)" },
        { name: "tensorflow-gpu", reason: "@tensorflow/tfjs-node-gpu is not installed" },
        { name: "tensorflow", reason: "@tensorflow/tfjs-node is not installed" },
      ]);
    },
  );

  it.skipIf(installed("webgpu") && installed("@tensorflow/tfjs-backend-webgpu"))(
    "says why a forced webgpu is unavailable (skipped where webgpu is installed)",
    async () => {
      await expect(initBackend({ backend: "webgpu" })).rejects.toThrow(/backend "webgpu" is not available: .* is not installed/);
    },
  );
});
