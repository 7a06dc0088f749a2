// The webgpu backend's adapter: which WebGPU adapter Dawn for Node (npm `webgpu`) offers, whether
// it is a real GPU, and tfjs-backend-webgpu started on it. backend.ts imports the optional
// packages and hands them in, so the choice runs against fakes in tests (backend-webgpu.test.ts).
//
// The rule: a hardware adapter is preferred over every CPU backend; a software one (a CPU
// rasteriser such as Mesa llvmpipe) is never chosen by itself, only when asked for
// (UNROLL_BACKEND=webgpu with UNROLL_WEBGPU_SOFTWARE=1): it computes correctly, far slower than wasm.
import * as tf from "@tensorflow/tfjs-core";
import { existsSync, readdirSync } from "node:fs";
import { watchDeviceErrors, type WatchedDevice } from "./device-errors.js";

/** What a run records about the adapter (BackendInfo.adapter). */
export interface WebgpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Dawn puts the driver in the description (Vulkan "<driver>: <version>"; OpenGL ES "OpenGL ES 3.2 Mesa 22.3.6"). */
  driver: string;
  /** A CPU rasteriser (Mesa llvmpipe, lavapipe, SwiftShader, WARP) rather than a GPU. */
  software: boolean;
  /** "compatibility": WebGPU's reduced feature level (Dawn's OpenGL ES backend offers only that). */
  featureLevel: "core" | "compatibility";
}

/** The parts of Dawn for Node used here. */
export interface Dawn {
  create(flags: string[]): Gpu;
  globals?: Record<string, unknown>;
}
export interface Gpu {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power"; featureLevel?: "core" | "compatibility" }): Promise<Adapter | null>;
}
export interface Adapter {
  info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  limits: Record<string, number | undefined>;
  features: { has(name: string): boolean };
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<unknown>;
}
export interface AdapterChoice {
  gpu: Gpu;
  adapter: Adapter;
  info: WebgpuAdapterInfo;
}

/** Why webgpu cannot start here (backend.ts turns it into "not available"). */
export class AdapterUnavailable extends Error {}

/** The software path: Dawn's OpenGL ES backend (Mesa llvmpipe), which offers only compatibility mode. */
export const SOFTWARE_FLAGS = ["backend=opengles"];
/** Debian packages the software path needs: EGL, GLES and llvmpipe itself (swrast_dri.so); .ci/run installs them. */
export const SOFTWARE_PACKAGES = "libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri";
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|\bwarp\b/i;

/** Dawn reports llvmpipe with isFallbackAdapter false, so the names decide too. */
export function isSoftwareAdapter(info: Adapter["info"]): boolean {
  if (info.isFallbackAdapter === true) return true;
  return SOFTWARE_NAMES.test([info.vendor, info.architecture, info.device, info.description].join(" "));
}

export function describeAdapter(adapter: Adapter, featureLevel: WebgpuAdapterInfo["featureLevel"]): WebgpuAdapterInfo {
  const { vendor = "", architecture = "", device = "", description = "" } = adapter.info;
  return {
    vendor,
    architecture,
    device,
    description,
    driver: description.replace(/^OpenGL version /, ""),
    software: isSoftwareAdapter(adapter.info),
    featureLevel,
  };
}

/** "NVIDIA hopper" or "llvmpipe-llvm-15-0-6-256-bits": a short name for messages. */
export function adapterName(info: WebgpuAdapterInfo): string {
  return [info.vendor, info.architecture].filter((s) => s).join(" ") || info.device || info.description || "unnamed adapter";
}

/**
 * The adapter to run on. Hardware first (Dawn's default backend: Vulkan, Metal or D3D12); a
 * software one only with `allowSoftware`. `lookForSoftware` (webgpu forced without it) also
 * asks the OpenGL ES backend, so the refusal can say that a software adapter exists. `flags` go
 * to every create() (UNROLL_DAWN_FLAGS).
 */
export async function chooseAdapter(dawn: Dawn, options: { allowSoftware: boolean; lookForSoftware: boolean; flags?: string[] }): Promise<AdapterChoice> {
  const flags = options.flags ?? [];
  const gpu = dawn.create([...flags]);
  const first = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (first && !isSoftwareAdapter(first.info)) return { gpu, adapter: first, info: describeAdapter(first, "core") };
  let software: AdapterChoice | null = first ? { gpu, adapter: first, info: describeAdapter(first, "core") } : null;
  if (software === null && (options.allowSoftware || options.lookForSoftware)) {
    const glGpu = dawn.create([...SOFTWARE_FLAGS, ...flags]);
    const gl = await glGpu.requestAdapter({ featureLevel: "compatibility" });
    if (gl) software = { gpu: glGpu, adapter: gl, info: describeAdapter(gl, "compatibility") };
  }
  if (software && options.allowSoftware) return software;
  if (software) {
    throw new AdapterUnavailable(
      `no hardware WebGPU adapter; Dawn offers only a software one (${adapterName(software.info)}, ${software.info.driver}), which is never chosen by ` +
        "itself: it computes correctly but far slower than wasm. Set UNROLL_WEBGPU_SOFTWARE=1 with UNROLL_BACKEND=webgpu to use it anyway (correctness tests)",
    );
  }
  if (options.allowSoftware) {
    throw new AdapterUnavailable(
      `Dawn found no WebGPU adapter, not even a software one: install Mesa's EGL and GLES (Debian: apt-get install ${SOFTWARE_PACKAGES}) for llvmpipe through Dawn's OpenGL ES backend`,
    );
  }
  throw new AdapterUnavailable(
    "Dawn found no hardware WebGPU adapter (no GPU with a Vulkan, Metal or D3D12 driver visible here; on Linux Dawn needs the Vulkan loader libvulkan.so.1, Debian libvulkan1, and the GPU driver's Vulkan ICD)",
  );
}

/**
 * Linux: the device files of a GPU driver (NVIDIA, DRM render nodes, WSL's dxg). With none,
 * Dawn can find no hardware adapter, and the default order skips webgpu without loading Dawn
 * (which would print a Vulkan warning on every CPU machine). Other systems: null (unknown).
 */
export function linuxGpuDevices(platform: string = process.platform, dev = "/dev"): string[] | null {
  if (platform !== "linux") return null;
  const list = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
  return [
    ...list(dev)
      .filter((f) => /^nvidia\d+$|^dxg$|^kfd$/.test(f))
      .map((f) => `${dev}/${f}`),
    ...list(`${dev}/dri`)
      .filter((f) => f.startsWith("renderD"))
      .map((f) => `${dev}/dri/${f}`),
  ];
}

/** Limits tfjs-backend-webgpu asks its device for, plus the storage buffers per shader (AddN, Concat). */
const LIMITS = [
  "maxComputeWorkgroupStorageSize",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupSizeX",
  "maxComputeInvocationsPerWorkgroup",
  "maxStorageBuffersPerShaderStage",
];

type WebGPUBackendClass = new (device: unknown, adapterInfo: unknown) => tf.KernelBackend;

/**
 * Registers "webgpu" on the chosen adapter. tfjs's own factory (tfjs-backend-webgpu base.ts)
 * asks navigator.gpu for an adapter without a feature level, which on Dawn's OpenGL ES backend
 * returns null ("Cannot read properties of null (reading 'features')"), so ours replaces it.
 * tfjs's WebGPUBackend checks navigator.gpu itself: it must be set before this runs.
 */
export async function registerWebgpuBackend(choice: AdapterChoice, WebGPUBackend: WebGPUBackendClass): Promise<void> {
  const { adapter } = choice;
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === "number") requiredLimits[name] = value;
  }
  const requiredFeatures = adapter.features.has("timestamp-query") ? ["timestamp-query"] : [];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  watchDeviceErrors(device as WatchedDevice); // a failed shader raises nothing where it runs
  if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", () => new WebGPUBackend(device, adapter.info), 0);
}

/**
 * BackendInfo.device, which the runner stores with every run: "GPU via WebGPU (nvidia hopper,
 * NVIDIA H200; driver ...)" or "software GPU (CPU rasteriser) via WebGPU (...)".
 */
export function webgpuDevice(info: WebgpuAdapterInfo): string {
  const name = adapterName(info);
  const model = info.device && info.device !== name ? `, ${info.device}` : "";
  const mode = info.featureLevel === "compatibility" ? ", compatibility mode" : "";
  const driver = info.driver ? `; driver ${info.driver}` : "";
  return `${info.software ? "software GPU (CPU rasteriser)" : "GPU"} via WebGPU (${name}${model}${driver}${mode})`;
}

/** BackendInfo.notice on the software adapter: what it is good for, and the fix. */
export function softwareNotice(info: WebgpuAdapterInfo): string {
  return (
    `software WebGPU adapter (${adapterName(info)}): correct but far slower than wasm, for correctness tests only. ` +
    "Fix: unset UNROLL_WEBGPU_SOFTWARE and UNROLL_BACKEND to train on wasm, or run on a machine with a GPU"
  );
}

/** The current backend's largest storage binding in bytes when it is webgpu (its device's limit), else undefined. */
export function webgpuBindingLimit(): number | undefined {
  if (tf.getBackend() !== "webgpu") return undefined;
  const device = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device;
  return device?.limits?.maxStorageBufferBindingSize;
}
