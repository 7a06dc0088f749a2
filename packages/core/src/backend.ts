// Choosing and starting the TensorFlow.js backend. Nothing happens on import: call initBackend.
//
// Order when nothing is forced: webgpu (only on a hardware adapter), tensorflow-gpu (only if it
// really runs on a GPU), tensorflow, wasm, cpu. The GPU and native packages are optional (webgpu
// and tfjs-backend-webgpu install from npm; tfjs-node's install downloads libtensorflow and
// usually fails); they are imported with a computed specifier so that neither the type checker
// nor a bundler requires them. See packages/core/README.md, "Backends".
import * as tf from "@tensorflow/tfjs-core";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { preferSurfacelessEgl, readCoreEnv } from "./env.js";
import {
  AdapterUnavailable,
  SOFTWARE_PACKAGES,
  chooseAdapter,
  linuxGpuDevices,
  registerWebgpuBackend,
  softwareNotice,
  webgpuDevice,
  type Dawn,
  type WebgpuAdapterInfo,
} from "./backend-webgpu.js";
import { BackendError } from "./errors.js";
import { SLOW_PATH, nativeBlasInfo, registerFastKernels, type NativeBlasInfo } from "./kernels/index.js";
import { MAX_WASM_THREADS, startThreadedWasm, type ThreadedWasmModule } from "./kernels/wasm-threads.js";

export const BACKEND_NAMES = ["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Tried in this order when neither the option nor UNROLL_BACKEND names one; webgpu only on a hardware adapter. */
export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ["webgpu", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];

export interface BackendOptions {
  /** Use exactly this backend (overrides UNROLL_BACKEND); throws BackendError if it cannot start. */
  backend?: BackendName;
  /**
   * wasm only: compute threads (default 1). More than 1 runs the threaded SIMD build on
   * worker_threads, which tfjs does not support in Node officially (tfjs issue #3830). Fixed for
   * the life of the process once wasm has started.
   */
  threads?: number;
  /**
   * webgpu forced only: accept a software adapter (Mesa llvmpipe), which is otherwise refused.
   * Default: UNROLL_WEBGPU_SOFTWARE=1. For correctness tests; far slower than wasm.
   */
  allowSoftwareAdapter?: boolean;
}

export interface BackendInfo {
  name: BackendName;
  /** The name TensorFlow.js knows it by (`tf.getBackend()`). */
  tfBackend: string;
  device: string;
  /** Threads the backend computes with. */
  threads: number;
  /** wasm: whether the SIMD build runs. */
  simd: boolean;
  /** Why this one: the `backend` option, UNROLL_BACKEND, or the default order. */
  chosenBy: "option" | "env" | "default";
  /** Backends tried before this one, and why each could not be used. */
  skipped: { name: BackendName; reason: string }[];
  /** Kernels of ours registered for this backend (see kernels/). */
  kernels: string[];
  /** "" on the fast path; else the line to show users: why training is slow here and the command that fixes it. */
  notice: string;
  /** webgpu: the adapter (vendor, architecture, device, description, driver, software or not). */
  adapter?: WebgpuAdapterInfo;
}

type Started = Omit<BackendInfo, "name" | "chosenBy" | "skipped" | "notice"> & { notice?: string };

/** A backend that cannot start here; `reason` says why. */
class Unavailable extends Error {}

const HOW_TO_GET: Record<BackendName, string> = {
  "tensorflow-gpu":
    "Install @tensorflow/tfjs-node-gpu@4.22.0 on Linux x64 with CUDA 11.2 and cuDNN 8.1 and allow its build script " +
    "(see packages/core/README.md, Backends; TFJS_NODE_CDN_STORAGE points it at a libtensorflow mirror)",
  tensorflow:
    "Install @tensorflow/tfjs-node@4.22.0 and allow its build script " +
    "(see packages/core/README.md, Backends; TFJS_NODE_CDN_STORAGE points it at a libtensorflow mirror)",
  webgpu:
    "Run on a machine with a GPU and its Vulkan driver after `pnpm install` (webgpu, Dawn for Node, and @tensorflow/tfjs-backend-webgpu " +
    `are optional dependencies of @unroll/core); for the software adapter in tests, UNROLL_WEBGPU_SOFTWARE=1 and apt-get install ${SOFTWARE_PACKAGES}`,
  wasm: "Run `pnpm install` (@tensorflow/tfjs-backend-wasm is a dependency of @unroll/core)",
  cpu: "Run `pnpm install` (@tensorflow/tfjs-backend-cpu is a dependency of @unroll/core)",
};

/**
 * Starts a backend and makes it TensorFlow.js's current one. Choice: `options.backend`, else
 * UNROLL_BACKEND, else the first of DEFAULT_BACKEND_ORDER that starts. Also registers the
 * gradients and our fast kernels. Safe to call again (e.g. to switch backends in tests).
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const env = readCoreEnv();
  const fromEnv = env.backend;
  const forced = options.backend ?? fromEnv;
  const chosenBy = options.backend ? "option" : fromEnv ? "env" : "default";
  if (forced !== undefined && !isBackendName(forced)) {
    const where = chosenBy === "env" ? "UNROLL_BACKEND" : "options.backend";
    throw new BackendError(`${where} is "${forced}"; expected one of ${BACKEND_NAMES.join(", ")}.`);
  }
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new BackendError(`threads must be a whole number from 1 to ${MAX_WASM_THREADS} (the wasm build's worker pool), got ${String(options.threads)}.`);
  }
  await registerGradients();
  // a software adapter only when webgpu is forced and it is asked for
  const allowSoftware = forced === "webgpu" && (options.allowSoftwareAdapter ?? env.webgpuSoftware);

  const candidates = forced ? [forced] : DEFAULT_BACKEND_ORDER;
  const skipped: BackendInfo["skipped"] = [];
  for (const name of candidates) {
    try {
      const started = await start(name, { threads, forced: forced !== undefined, allowSoftware });
      return { name, chosenBy, skipped, notice: "", ...started };
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err;
      if (forced) {
        const where = chosenBy === "env" ? `UNROLL_BACKEND=${name}` : `backend "${name}"`;
        throw new BackendError(`${where} is not available: ${err.message}. ${HOW_TO_GET[name]}; or choose another backend (${BACKEND_NAMES.join(", ")}).`);
      }
      skipped.push({ name, reason: err.message });
    }
  }
  throw new BackendError(`no TensorFlow.js backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}.`);
}

function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

const TFJS_NODE_GPU: string = "@tensorflow/tfjs-node-gpu";
const TFJS_NODE: string = "@tensorflow/tfjs-node";

function start(name: BackendName, { threads, forced, allowSoftware }: { threads: number; forced: boolean; allowSoftware: boolean }): Promise<Started> {
  switch (name) {
    case "tensorflow-gpu":
      return startTensorflow(TFJS_NODE_GPU, true);
    case "tensorflow":
      return startTensorflow(TFJS_NODE, false);
    case "webgpu":
      return startWebgpu(forced, allowSoftware);
    case "wasm":
      return startWasm(threads);
    case "cpu":
      return startCpu();
  }
}

/**
 * tfjs-core alone registers no gradients. The registrations ship compiled only inside the
 * @tensorflow/tfjs bundle (tfjs-core's own ESM files use extensionless imports Node cannot load).
 */
async function registerGradients(): Promise<void> {
  if (tf.getGradient("BatchMatMul") === undefined) await import("@tensorflow/tfjs");
}

/** Imports an optional package; any failure means "not available", with the reason. */
async function importOptional(specifier: string): Promise<unknown> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as unknown;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
    if (/tfjs_binding\.node/.test(message)) {
      throw new Unavailable(
        `${specifier} is installed without its native addon (tfjs_binding.node can not be found: the install script that downloads libtensorflow did not run or failed)`,
      );
    }
    const notFound = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (module|package)|Failed to load url/.test(message);
    if (notFound && message.includes(specifier)) throw new Unavailable(`${specifier} is not installed`);
    throw new Unavailable(`${specifier} failed to load: ${message}`);
  }
}

async function setBackend(tfName: string, label: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } catch (err) {
    throw new Unavailable(`${label} failed to start: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!ok) throw new Unavailable(`${label} failed to start (TensorFlow.js logged the cause above)`);
}

async function startTensorflow(pkg: string, needGpu: boolean): Promise<Started> {
  // Both packages register the backend as "tensorflow"; -gpu without a GPU still serves as it.
  try {
    await importOptional(pkg);
  } catch (err) {
    if (needGpu || tf.findBackendFactory("tensorflow") === null) throw err;
  }
  await setBackend("tensorflow", pkg);
  const onGpu = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
  if (needGpu && !onGpu) {
    throw new Unavailable(`${pkg} loaded, but libtensorflow found no usable GPU (check the NVIDIA driver, CUDA 11.2 and cuDNN 8.1)`);
  }
  return {
    tfBackend: "tensorflow",
    device: onGpu ? "GPU (libtensorflow with CUDA)" : "CPU (libtensorflow)",
    threads: availableParallelism(),
    simd: false,
    kernels: [],
  };
}

// Optional packages: specifiers held in variables, so typecheck and bundlers leave them alone.
const DAWN_PACKAGE: string = "webgpu";
const WEBGPU_BACKEND_PACKAGE: string = "@tensorflow/tfjs-backend-webgpu";

/** A driver that fails (a rejected requestAdapter or requestDevice) makes webgpu unavailable, not initBackend fail. */
async function asUnavailable<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof AdapterUnavailable) throw new Unavailable(err.message);
    throw new Unavailable(`${what} failed: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
  }
}

/** The adapter webgpu started on: tfjs keeps one device per process, so a second call reuses it. */
let webgpuStarted: WebgpuAdapterInfo | undefined;

async function startWebgpu(forced: boolean, allowSoftware: boolean): Promise<Started> {
  if (!forced) {
    const devices = linuxGpuDevices();
    if (devices?.length === 0) throw new Unavailable("no GPU device on this machine (none of /dev/nvidia*, /dev/dri/renderD*, /dev/dxg, /dev/kfd)");
  }
  let info = webgpuStarted;
  if (info === undefined || tf.findBackend("webgpu") === null || (info.software && !allowSoftware)) {
    // Dawn for Node (npm `webgpu`) provides navigator.gpu; tfjs-backend-webgpu runs on it
    const dawn = (await importOptional(DAWN_PACKAGE)) as Partial<Dawn>;
    if (typeof dawn.create !== "function") throw new Unavailable("the webgpu package does not export create() (expected Dawn for Node)");
    if (forced) preferSurfacelessEgl(); // the software adapter is looked for only when forced
    const choice = await asUnavailable("Dawn", () => chooseAdapter(dawn as Dawn, { allowSoftware, lookForSoftware: forced, flags: readCoreEnv().dawnFlags }));
    Object.assign(globalThis, dawn.globals ?? {}); // GPUBufferUsage and friends, as in a browser
    const g = globalThis as { navigator?: object };
    if (g.navigator === undefined) g.navigator = {};
    Object.defineProperty(g.navigator, "gpu", { value: choice.gpu, configurable: true, writable: true });
    const wgpu = (await importOptional(WEBGPU_BACKEND_PACKAGE)) as { WebGPUBackend?: Parameters<typeof registerWebgpuBackend>[1] };
    if (typeof wgpu.WebGPUBackend !== "function") throw new Unavailable(`${WEBGPU_BACKEND_PACKAGE} does not export WebGPUBackend (expected version 4.22)`);
    await asUnavailable("the WebGPU device", () => registerWebgpuBackend(choice, wgpu.WebGPUBackend!));
    info = choice.info;
    webgpuStarted = undefined;
    if (info.software) process.emitWarning(softwareNotice(info), { code: "UNROLL_WEBGPU_SOFTWARE" }); // once per adapter started
  }
  const kernels = registerFastKernels("webgpu");
  await setBackend("webgpu", "webgpu");
  webgpuStarted = info;
  const notice = info.software ? softwareNotice(info) : "";
  return { tfBackend: "webgpu", device: webgpuDevice(info), threads: 1, simd: false, kernels, notice, adapter: info };
}

/** The threaded module once started: threads are fixed for the process after that. */
let wasmThreads: { module: ThreadedWasmModule | null; threads: number } | undefined;

async function startWasm(threads: number): Promise<Started> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  if (wasmThreads === undefined && tf.findBackend("wasm") === null) {
    // Point the loader at the package's own dist/ (robust under bundlers and pnpm layouts).
    const dist = dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm"));
    wasm.setWasmPaths(`${dist}/`);
    const module = threads > 1 ? await startThreadedWasm(dist, threads) : null;
    wasmThreads = { module, threads };
  } else if (wasmThreads !== undefined && wasmThreads.threads !== threads) {
    throw new Unavailable(`wasm already runs with ${wasmThreads.threads} thread(s) in this process and cannot change to ${threads}; restart the process`);
  }
  const kernels = registerFastKernels("wasm"); // before setBackend, so the stock setup functions run
  await setBackend("wasm", "wasm");
  const backend = tf.backend() as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  const actualThreads = backend.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const build = `${simd ? "SIMD" : "no SIMD"}, ${actualThreads > 1 ? `${actualThreads} threads` : "1 thread"}`;
  const blas = nativeBlasInfo(); // the native addon: matMuls and fused layers on OpenBLAS
  return { tfBackend: "wasm", device: wasmDevice(build, blas), threads: actualThreads, simd, kernels, notice: blas.notice };
}

/** "CPU (WebAssembly, SIMD, 1 thread; OpenBLAS SkylakeX, 2 threads)", or "...; slow path: no OpenBLAS)" without the addon. */
export function wasmDevice(build: string, blas: NativeBlasInfo): string {
  const native = blas.active
    ? `; OpenBLAS${blas.coreType ? ` ${blas.coreType}` : ""}, ${blas.threads} thread${blas.threads > 1 ? "s" : ""}`
    : blas.available
      ? "" // switched off by setNativeBlas({ enabled: false })
      : `; ${SLOW_PATH}`;
  return `CPU (WebAssembly, ${build}${native})`;
}

async function startCpu(): Promise<Started> {
  await import("@tensorflow/tfjs-backend-cpu");
  const kernels = registerFastKernels("cpu");
  await setBackend("cpu", "cpu");
  return { tfBackend: "cpu", device: "CPU (plain JavaScript, slow)", threads: 1, simd: false, kernels };
}

/** What TensorFlow.js holds now: live tensors, their bytes, and GPU bytes on a GPU backend. */
export function tensorMemory(): { tensors: number; bytes: number; gpuBytes?: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return { tensors: m.numTensors, bytes: m.numBytes, ...(m.numBytesInGPU !== undefined ? { gpuBytes: m.numBytesInGPU } : {}) };
}
