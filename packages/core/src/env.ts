// The one module of core that reads the process environment.

/** Settings core takes from the environment; everything else comes in as arguments. */
export interface CoreEnv {
  /** UNROLL_BACKEND: force a TensorFlow.js backend (see backend.ts). */
  backend: string | undefined;
  /**
   * UNROLL_WEBGPU_SOFTWARE=1: with UNROLL_BACKEND=webgpu, accept a software WebGPU adapter (Mesa
   * llvmpipe through Dawn's OpenGL ES backend): correct, far slower than wasm; for tests.
   */
  webgpuSoftware: boolean;
  /**
   * UNROLL_DAWN_FLAGS: extra flags for Dawn's create(), separated by spaces, e.g.
   * "disable-dawn-features=timestamp_quantization" for kernel times at full resolution when
   * profiling (Dawn accepts toggle names it does not know without a word).
   */
  dawnFlags: string[];
}

/** The process environment, for functions that take one as an argument (tests pass their own). */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

export function readCoreEnv(env: NodeJS.ProcessEnv = process.env): CoreEnv {
  const backend = env["UNROLL_BACKEND"]?.trim();
  const software = env["UNROLL_WEBGPU_SOFTWARE"]?.trim();
  const dawnFlags = (env["UNROLL_DAWN_FLAGS"] ?? "").split(/\s+/).filter((f) => f !== "");
  return { backend: backend ? backend : undefined, webgpuSoftware: software === "1" || software === "true", dawnFlags };
}

/**
 * Mesa's EGL cannot initialise without a display unless EGL_PLATFORM=surfaceless: set it (when
 * unset) before Dawn's OpenGL ES backend starts. Dawn reads it from the C environment, which
 * Node's process.env writes through to.
 */
export function preferSurfacelessEgl(env: NodeJS.ProcessEnv = process.env): void {
  if (!env["EGL_PLATFORM"]) env["EGL_PLATFORM"] = "surfaceless";
}
