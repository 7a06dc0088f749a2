// Test helpers: run the same computation on the cpu and wasm backends and compare.
// Imported by *.test.ts only.
import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import { initBackend } from "../backend.js";
import { nativeBlasInfo, unregisterFastKernels } from "./index.js";

/** The native addon here: its suites and the OpenBLAS kernel paths run only where it loaded. */
export const ADDON = nativeBlasInfo();
/** Appended to the name of what needs the addon, so that a run without it lists it as skipped and says why. */
export const ADDON_NOTE = ADDON.available ? "" : ` (skipped: ${ADDON.reason})`;
/** Both paths of the wasm kernels: OpenBLAS on the heap (skipped without the addon) and the plain wasm/JS one. */
export const KERNEL_PATHS = [
  { path: "openblas", native: true, skip: !ADDON.available, note: ADDON_NOTE },
  { path: "wasm", native: false, skip: false, note: "" },
] as const;

/** Starts cpu (stock kernels only: it is the reference) and wasm (ours), leaves wasm current. */
export async function startCpuAndWasm(): Promise<void> {
  await initBackend({ backend: "cpu" });
  unregisterFastKernels("cpu");
  await initBackend({ backend: "wasm" });
}

/** Deterministic values in [-1, 1) (a small LCG), so cpu and wasm see the same inputs. */
export function seeded(n: number, seed = 1): number[] {
  let s = seed >>> 0;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function seededInts(n: number, max: number, seed = 1): number[] {
  return seeded(n, seed).map((x) => Math.min(max - 1, Math.floor(((x + 1) / 2) * max)));
}

/** Runs `f` on a backend and returns its outputs as plain arrays (with shapes). */
export async function runOn(backend: "cpu" | "wasm", f: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; values: number[] }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const result = outs.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  tf.dispose(outs);
  return result;
}

/** Runs `f` on cpu and on wasm and expects the same shapes and close values. */
export async function expectSameOnCpuAndWasm(f: () => tf.Tensor | tf.Tensor[], tolerance = 1e-4): Promise<void> {
  const cpu = await runOn("cpu", f);
  const wasm = await runOn("wasm", f);
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((w, i) => {
    const c = cpu[i]!;
    expect(w.shape).toEqual(c.shape);
    expectClose(w.values, c.values, tolerance);
  });
}

export function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    // written so that NaN fails too
    if (!(err <= tolerance)) expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]} (relative error ${err} > ${tolerance})`);
  }
}

/** Calls `f` twice (disposing what it returns) and expects no tensors or backend data left over. */
export function expectNoLeak(f: () => tf.TensorContainer): void {
  tf.dispose(f());
  const tensors = tf.memory().numTensors;
  const data = tf.engine().backend.numDataIds();
  tf.dispose(f());
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(data);
}
