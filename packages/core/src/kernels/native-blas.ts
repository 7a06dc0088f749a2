// The optional OpenBLAS addon (@unroll/native-blas): sgemm straight on the wasm heap.
// The wasm matMul (XNNPACK, 128-bit SIMD, one thread) reaches ~6-25 GFLOP/s; OpenBLAS with AVX2
// on every core is several times faster, and the reference LM's output layer and its gradients
// ([700, 200] x [200, 10000] three times a step) are most of a training step. The addon gets the
// wasm Memory's bytes through Node-API and byte offsets of tensors in it: nothing is copied.
// Absent (no compiler, no libopenblas-dev, not a workspace install) or disabled, our BatchMatMul
// keeps the wasm path; nativeBlasInfo() says which path is active and why.
import { createRequire } from "node:module";
import type { NativeBlas } from "@unroll/native-blas";

/** The addon's interface, declared once by the addon (packages/native-blas/index.d.cts). */
export type { NativeBlas } from "@unroll/native-blas";

export interface NativeBlasInfo {
  /** The addon loaded. */
  available: boolean;
  /** wasm matMuls run on OpenBLAS now (available and not disabled). */
  active: boolean;
  /** Why it is not active ("" when it is). */
  reason: string;
  /** "" when the addon loaded; else the line users see: "slow path: no OpenBLAS (why). ... Fix: <command>". */
  notice: string;
  /** OpenBLAS threads (0 when unavailable). */
  threads: number;
  /** OpenBLAS's build line, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH USE_OPENMP Zen MAX_THREADS=64". */
  config: string;
  /** OPENBLAS_CORETYPE in effect (the user's, or chosen from the CPU's flags by the addon); null: OpenBLAS's own detection. */
  coreType: string | null;
}

/** How the device string and the notices name a machine without the addon (the addon's notices start with it too). */
export const SLOW_PATH = "slow path: no OpenBLAS";

const PACKAGE: string = "@unroll/native-blas"; // held in a variable: optional, not for bundlers

interface Loaded {
  blas: NativeBlas | null;
  reason: string;
  notice: string;
  coreType: string | null;
}

let loaded: Loaded | undefined;
let enabled = true;

function load(): Loaded {
  if (loaded) return loaded;
  try {
    const mod = createRequire(import.meta.url)(PACKAGE) as Loaded;
    loaded = { blas: mod.blas, reason: mod.blas ? "" : mod.reason, notice: mod.blas ? "" : mod.notice, coreType: mod.coreType };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = code === "MODULE_NOT_FOUND" ? `${PACKAGE} is not installed` : `${PACKAGE} failed to load: ${String(err)}`;
    loaded = { blas: null, reason, notice: `${SLOW_PATH} (${reason}). Training runs several times slower.`, coreType: null };
  }
  return loaded;
}

/** The addon when it is loaded and enabled, else null (the kernels then use wasm). */
export function activeNativeBlas(): NativeBlas | null {
  return enabled ? load().blas : null;
}

/**
 * Turns the OpenBLAS path of the wasm matMul on or off (default on when the addon is built), and
 * optionally sets its thread count. Takes effect on the next matMul. Returns the new state.
 */
export function setNativeBlas(options: { enabled?: boolean; threads?: number }): NativeBlasInfo {
  if (options.enabled !== undefined) enabled = options.enabled;
  const blas = load().blas;
  if (blas && options.threads !== undefined) blas.setThreads(options.threads);
  return nativeBlasInfo();
}

/** Which matMul path the wasm backend uses, and why. */
export function nativeBlasInfo(): NativeBlasInfo {
  const { blas, reason, notice, coreType } = load();
  if (!blas) return { available: false, active: false, reason, notice, threads: 0, config: "", coreType: null };
  return {
    available: true,
    active: enabled,
    reason: enabled ? "" : "disabled by setNativeBlas({ enabled: false })",
    notice: "",
    threads: blas.getThreads(),
    config: blas.config(),
    coreType,
  };
}
