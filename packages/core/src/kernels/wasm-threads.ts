// Multithreaded wasm in Node, through tfjs-backend-wasm internals (4.22).
// tfjs hard-codes "no threads" in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue
// #3830) because its pthread workers are Blob URLs, which Node's worker_threads cannot run.
// Here we start the threaded SIMD build ourselves, with a worker file on disk, and register a
// "wasm" backend factory that wraps it in the stock BackendWasm class, so every stock and
// custom wasm kernel works unchanged. XNNPACK then splits big ops over the threads.
import * as tf from "@tensorflow/tfjs-core";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WASM_PRIORITY = 2; // the priority tfjs-backend-wasm registers with

/** The Emscripten module with the `tfjs` bridge BackendWasm expects. */
export interface ThreadedWasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs?: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedWasmModule>;

/**
 * Instantiates the threaded SIMD build with `threads` XNNPACK threads and registers it as the
 * "wasm" backend (replacing tfjs's factory). Call before the wasm backend first starts.
 * @param distDir tfjs-backend-wasm's dist/ directory (holds the .wasm binaries)
 */
export async function startThreadedWasm(distDir: string, threads: number): Promise<ThreadedWasmModule> {
  const require = createRequire(import.meta.url);
  const wasmPkg = await import("@tensorflow/tfjs-backend-wasm");
  const mainScript = join(distDir, "..", "wasm-out", "tfjs-backend-wasm-threaded-simd.js");
  const factory = require(mainScript) as Factory;
  const worker = fileURLToPath(new URL("./wasm-pthread-worker.cjs", import.meta.url));
  const module = await factory({
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith(".wasm")) return join(distDir, "tfjs-backend-wasm-threaded-simd.wasm");
      if (path.endsWith(".worker.js")) return worker;
      return prefix + path;
    },
    // each pthread worker evaluates this file to get the module factory
    mainScriptUrlOrBlob: mainScript,
  });
  // the same bridge tfjs-backend-wasm's init() builds
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  wasmPkg.setThreadsCount(threads);
  if (tf.findBackendFactory("wasm") !== null) tf.removeBackend("wasm");
  const Backend = wasmPkg.BackendWasm as unknown as new (wasm: ThreadedWasmModule) => tf.KernelBackend;
  tf.registerBackend("wasm", () => new Backend(module), WASM_PRIORITY);
  return module;
}
