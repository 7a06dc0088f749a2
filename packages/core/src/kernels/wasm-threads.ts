// Multithreaded wasm in Node, through tfjs-backend-wasm internals (4.22).
// tfjs hard-codes "no threads" in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs issue
// #3830) because its pthread workers are Blob URLs, which Node's worker_threads cannot run.
// Here we start the threaded SIMD build ourselves, with a worker file on disk, and register a
// "wasm" backend factory that wraps it in the stock BackendWasm class, so every stock and
// custom wasm kernel works unchanged. XNNPACK then splits big ops over the threads.
// One more quirk: the C++ side caps the pool at (logical cores / 2), assuming hyper-threading,
// so a 2-core machine got 1 thread whatever was asked; we answer its core-count query with
// 2 x threads (the pool is also capped at 8, the number of pre-created workers).
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WASM_PRIORITY = 2; // the priority tfjs-backend-wasm registers with
export const MAX_WASM_THREADS = 8; // PTHREAD_POOL_SIZE of the threaded build

/** The Emscripten module with the `tfjs` bridge BackendWasm expects. */
export interface ThreadedWasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs?: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedWasmModule>;
// The slice of the WebAssembly JS API used here (lib ES2022 without DOM declares none).
type Imports = { env: Record<string, unknown> };
interface Instantiated {
  instance: unknown;
  module: unknown;
}
const { WebAssembly: Wasm } = globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: Imports): Promise<Instantiated> } };

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
  const binary = join(distDir, "tfjs-backend-wasm-threaded-simd.wasm");
  let failed: (err: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const started = factory({
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith(".wasm")) return binary;
      if (path.endsWith(".worker.js")) return worker;
      return prefix + path;
    },
    // each pthread worker evaluates this file to get the module factory
    mainScriptUrlOrBlob: mainScript,
    // instantiate ourselves to answer the core-count query (see the top of this file)
    instantiateWasm: (imports: Imports, receive: (instance: unknown, module: unknown) => void) => {
      imports.env["emscripten_num_logical_cores"] = () => 2 * threads;
      Wasm.instantiate(readFileSync(binary), imports).then(({ instance, module }) => receive(instance, module), failed);
      return {};
    },
  });
  const module = await Promise.race([started, failure]);
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
