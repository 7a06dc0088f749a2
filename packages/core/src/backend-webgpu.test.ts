// Choosing the WebGPU adapter, with Dawn faked (no adapter needed): hardware is preferred, a
// software adapter is refused unless asked for, and each refusal names its fix.
import * as tf from "@tensorflow/tfjs-core";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type * as BackendWebgpu from "./backend-webgpu.js";
import { chooseAdapter, isSoftwareAdapter, linuxGpuDevices, webgpuDevice, type Adapter, type Dawn, type Gpu } from "./backend-webgpu.js";

/** What Dawn for Node reports on the machines seen (llvmpipe: measured here; NVIDIA: the shape of Dawn's Vulkan info). */
const LLVMPIPE = {
  vendor: "",
  architecture: "",
  device: "llvmpipe-llvm-15-0-6-256-bits-",
  description: "OpenGL version OpenGL ES 3.2 Mesa 22.3.6",
  isFallbackAdapter: false,
};
const LAVAPIPE = { vendor: "mesa", architecture: "", device: "llvmpipe (LLVM 15.0.6, 256 bits)", description: "Mesa 22.3.6", isFallbackAdapter: false };
const NVIDIA = { vendor: "nvidia", architecture: "hopper", device: "NVIDIA H200", description: "NVIDIA: 565.57.01 565.57.1.0", isFallbackAdapter: false };

/** A device that only takes listeners (device-errors.ts watches every device registered). */
const fakeDevice = () => ({ addEventListener: () => {} });

function fakeAdapter(info: Adapter["info"]): Adapter {
  return { info, limits: { maxStorageBuffersPerShaderStage: 16 }, features: new Set<string>(), requestDevice: () => Promise.resolve(fakeDevice()) };
}

/** A fake Dawn: `byFlags` maps create()'s flags (joined) to the adapter requestAdapter returns; every call is recorded. */
function fakeDawn(byFlags: Record<string, Adapter["info"] | null>): Dawn & { calls: { flags: string[]; options: unknown }[] } {
  const calls: { flags: string[]; options: unknown }[] = [];
  return {
    calls,
    create(flags: string[]): Gpu {
      return {
        requestAdapter(options) {
          calls.push({ flags, options });
          const info = byFlags[flags.join(",")] ?? null;
          return Promise.resolve(info ? fakeAdapter(info) : null);
        },
      };
    },
  };
}

describe("isSoftwareAdapter", () => {
  it("knows Mesa llvmpipe and lavapipe by name (Dawn reports isFallbackAdapter false for them)", () => {
    expect(isSoftwareAdapter(LLVMPIPE)).toBe(true);
    expect(isSoftwareAdapter(LAVAPIPE)).toBe(true);
    expect(isSoftwareAdapter({ device: "SwiftShader Device (Subzero)" })).toBe(true);
    expect(isSoftwareAdapter({ description: "Microsoft Basic Render Driver" })).toBe(true);
    expect(isSoftwareAdapter({ device: "anything", isFallbackAdapter: true })).toBe(true);
  });
  it("takes a GPU for hardware", () => {
    expect(isSoftwareAdapter(NVIDIA)).toBe(false);
    expect(isSoftwareAdapter({ vendor: "amd", architecture: "rdna-3", device: "AMD Radeon RX 7900 XTX (RADV NAVI31)" })).toBe(false);
  });
});

describe("chooseAdapter", () => {
  it("passes extra flags (UNROLL_DAWN_FLAGS) to every create()", async () => {
    const dawn = fakeDawn({ "backend=opengles,disable-dawn-features=timestamp_quantization": LLVMPIPE });
    const flags = ["disable-dawn-features=timestamp_quantization"];
    expect((await chooseAdapter(dawn, { allowSoftware: true, lookForSoftware: true, flags })).info.software).toBe(true);
    expect(dawn.calls.map((c) => c.flags)).toEqual([flags, ["backend=opengles", ...flags]]);
  });

  it("prefers a hardware adapter, even when software is allowed, without asking the OpenGL ES backend", async () => {
    const dawn = fakeDawn({ "": NVIDIA, "backend=opengles": LLVMPIPE });
    const choice = await chooseAdapter(dawn, { allowSoftware: true, lookForSoftware: true });
    expect(choice.info).toEqual({
      vendor: "nvidia",
      architecture: "hopper",
      device: "NVIDIA H200",
      description: "NVIDIA: 565.57.01 565.57.1.0",
      driver: "NVIDIA: 565.57.01 565.57.1.0",
      software: false,
      featureLevel: "core",
    });
    expect(dawn.calls).toEqual([{ flags: [], options: { powerPreference: "high-performance" } }]);
    expect(webgpuDevice(choice.info)).toBe("GPU via WebGPU (nvidia hopper, NVIDIA H200; driver NVIDIA: 565.57.01 565.57.1.0)");
  });

  it("in the default order (not forced) refuses without looking for a software adapter", async () => {
    const dawn = fakeDawn({ "backend=opengles": LLVMPIPE });
    await expect(chooseAdapter(dawn, { allowSoftware: false, lookForSoftware: false })).rejects.toThrow(/^Dawn found no hardware WebGPU adapter/);
    expect(dawn.calls.map((c) => c.flags)).toEqual([[]]);
  });

  it("forced without UNROLL_WEBGPU_SOFTWARE: refuses llvmpipe, saying it exists and naming the variable that allows it", async () => {
    const dawn = fakeDawn({ "backend=opengles": LLVMPIPE });
    const err = (await chooseAdapter(dawn, { allowSoftware: false, lookForSoftware: true }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /^no hardware WebGPU adapter; Dawn offers only a software one \(llvmpipe-llvm-15-0-6-256-bits-, OpenGL ES 3\.2 Mesa 22\.3\.6\)/,
    );
    expect(err.message).toMatch(/Set UNROLL_WEBGPU_SOFTWARE=1 with UNROLL_BACKEND=webgpu/);
  });

  it("refuses a software adapter from the default backend too (lavapipe on Vulkan) unless allowed", async () => {
    const dawn = fakeDawn({ "": LAVAPIPE });
    await expect(chooseAdapter(dawn, { allowSoftware: false, lookForSoftware: false })).rejects.toThrow(/only a software one \(mesa, Mesa 22\.3\.6\)/);
    expect((await chooseAdapter(dawn, { allowSoftware: true, lookForSoftware: true })).info).toMatchObject({ software: true, featureLevel: "core" });
  });

  it("allowed: takes llvmpipe through Dawn's OpenGL ES backend in compatibility mode", async () => {
    const dawn = fakeDawn({ "backend=opengles": LLVMPIPE });
    const choice = await chooseAdapter(dawn, { allowSoftware: true, lookForSoftware: true });
    expect(dawn.calls[1]).toEqual({ flags: ["backend=opengles"], options: { featureLevel: "compatibility" } });
    expect(choice.info).toMatchObject({ software: true, featureLevel: "compatibility", driver: "OpenGL ES 3.2 Mesa 22.3.6" });
    expect(webgpuDevice(choice.info)).toBe(
      "software GPU (CPU rasteriser) via WebGPU (llvmpipe-llvm-15-0-6-256-bits-; driver OpenGL ES 3.2 Mesa 22.3.6, compatibility mode)",
    );
  });

  it("allowed but no adapter at all: names the Debian packages that give one", async () => {
    await expect(chooseAdapter(fakeDawn({}), { allowSoftware: true, lookForSoftware: true })).rejects.toThrow(
      /not even a software one: install Mesa's EGL and GLES \(Debian: apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri\)/,
    );
  });
});

describe("linuxGpuDevices", () => {
  it("lists NVIDIA and DRM render nodes, and nothing else", () => {
    const dev = mkdtempSync(join(tmpdir(), "unroll-dev-"));
    mkdirSync(join(dev, "dri"));
    for (const f of ["nvidia0", "nvidiactl", "null", "dri/renderD128", "dri/card0"]) writeFileSync(join(dev, f), "");
    expect(linuxGpuDevices("linux", dev)).toEqual([`${dev}/nvidia0`, `${dev}/dri/renderD128`]);
    expect(linuxGpuDevices("linux", join(dev, "dri", "none"))).toEqual([]);
    expect(linuxGpuDevices("darwin", dev)).toBeNull();
  });
});

// initBackend itself, with Dawn, tfjs-backend-webgpu and the device files faked
const fake = vi.hoisted(() => ({ adapters: {} as Record<string, unknown>, gpuDevices: ["/dev/nvidia0"] as string[], failure: "" }));
vi.mock("webgpu", () => ({
  create: (flags: string[]) => ({
    requestAdapter: () => {
      if (fake.failure) return Promise.reject(new Error(fake.failure));
      const info = fake.adapters[flags.join(",")];
      return Promise.resolve(info ? { info, limits: {}, features: new Set(), requestDevice: () => Promise.resolve(fakeDevice()) } : null);
    },
  }),
  globals: {},
}));
vi.mock("@tensorflow/tfjs-backend-webgpu", async () => {
  const core = await import("@tensorflow/tfjs-core");
  class FakeWebGPUBackend extends core.KernelBackend {
    override dispose(): void {}
  }
  return { WebGPUBackend: FakeWebGPUBackend };
});
vi.mock("./backend-webgpu.js", async (importOriginal) => {
  const real = await importOriginal<typeof BackendWebgpu>();
  // the machine's device files only; the test of linuxGpuDevices above passes its own
  return { ...real, linuxGpuDevices: (...args: Parameters<typeof real.linuxGpuDevices>) => (args.length ? real.linuxGpuDevices(...args) : fake.gpuDevices) };
});

/** Forgets the webgpu backend a test before started (a process otherwise keeps its first adapter). */
function dropWebgpu(): void {
  if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu");
}

describe("initBackend with a faked Dawn", () => {
  const saved = { backend: process.env["UNROLL_BACKEND"], software: process.env["UNROLL_WEBGPU_SOFTWARE"] };
  afterEach(() => {
    for (const [k, v] of [
      ["UNROLL_BACKEND", saved.backend],
      ["UNROLL_WEBGPU_SOFTWARE", saved.software],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("the default order puts webgpu first, so a hardware adapter wins over every CPU backend", async () => {
    const { initBackend, DEFAULT_BACKEND_ORDER } = await import("./backend.js");
    expect(DEFAULT_BACKEND_ORDER[0]).toBe("webgpu");
    delete process.env["UNROLL_BACKEND"];
    fake.adapters = { "": NVIDIA, "backend=opengles": LLVMPIPE };
    const info = await initBackend();
    expect(info).toMatchObject({ name: "webgpu", chosenBy: "default", skipped: [], notice: "", adapter: { device: "NVIDIA H200", software: false } });
    expect(tf.getBackend()).toBe("webgpu");
  });

  it("a software adapter is skipped by the default order, and refused when forced without UNROLL_WEBGPU_SOFTWARE, naming the fix", async () => {
    const { initBackend } = await import("./backend.js");
    fake.adapters = { "backend=opengles": LLVMPIPE };
    delete process.env["UNROLL_BACKEND"];
    delete process.env["UNROLL_WEBGPU_SOFTWARE"];
    dropWebgpu(); // the adapter of the test before: a process keeps its first
    const fallback = await initBackend();
    expect(fallback.name).not.toBe("webgpu");
    expect(fallback.skipped[0]).toEqual({ name: "webgpu", reason: expect.stringMatching(/^Dawn found no hardware WebGPU adapter/) as unknown });
    process.env["UNROLL_BACKEND"] = "webgpu";
    await expect(initBackend()).rejects.toThrow(
      /^UNROLL_BACKEND=webgpu is not available: no hardware WebGPU adapter; Dawn offers only a software one .*Set UNROLL_WEBGPU_SOFTWARE=1 with UNROLL_BACKEND=webgpu/,
    );
  });

  it("forced with UNROLL_WEBGPU_SOFTWARE=1: starts on it, records software, and warns", async () => {
    const { initBackend } = await import("./backend.js");
    fake.adapters = { "backend=opengles": LLVMPIPE };
    process.env["UNROLL_BACKEND"] = "webgpu";
    process.env["UNROLL_WEBGPU_SOFTWARE"] = "1";
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const info = await initBackend();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    process.off("warning", onWarning);
    expect(info).toMatchObject({ name: "webgpu", chosenBy: "env", adapter: { software: true, featureLevel: "compatibility" } });
    expect(info.notice).toMatch(/^software WebGPU adapter \(llvmpipe.*\): correct but far slower than wasm.*Fix: /);
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toContain("UNROLL_WEBGPU_SOFTWARE");
  });

  it("a driver that fails the adapter request makes webgpu unavailable, and the default order carries on", async () => {
    const { initBackend } = await import("./backend.js");
    delete process.env["UNROLL_BACKEND"];
    dropWebgpu();
    fake.failure = "VK_ERROR_INITIALIZATION_FAILED";
    try {
      const info = await initBackend();
      expect(info.name).not.toBe("webgpu");
      expect(info.skipped[0]).toEqual({ name: "webgpu", reason: "Dawn failed: VK_ERROR_INITIALIZATION_FAILED" });
    } finally {
      fake.failure = "";
    }
  });

  it("a forced webgpu with no adapter at all names what to install", async () => {
    const { initBackend } = await import("./backend.js");
    fake.adapters = {};
    dropWebgpu();
    await expect(initBackend({ backend: "webgpu", allowSoftwareAdapter: true })).rejects.toThrow(
      /^backend "webgpu" is not available: Dawn found no WebGPU adapter, not even a software one: .*apt-get install libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri/,
    );
  });
});
