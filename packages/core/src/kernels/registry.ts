// Overriding a backend's stock kernel while keeping it callable, and undoing that.
import * as tf from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc } from "@tensorflow/tfjs-core";

/** Marks our configs (Symbol.for: survives a second copy of this module, e.g. under vitest). */
const STOCK = Symbol.for("unroll.stockKernel");
type Marked = KernelConfig & { [STOCK]?: KernelConfig | null };

/** A kernel we install: its name and how to build it from the stock one (if any). */
export interface KernelOverride {
  kernelName: string;
  build(stock: KernelConfig | undefined): KernelFunc;
}

/** True when the kernel registered under this name is one of ours. */
export function isOverridden(kernelName: string, backendName: string): boolean {
  const current = tf.getKernel(kernelName, backendName) as Marked | undefined;
  return current !== undefined && STOCK in current;
}

/** Installs the overrides for one backend; already-installed ones are left as they are. */
export function installKernels(backendName: string, overrides: readonly KernelOverride[]): string[] {
  const installed: string[] = [];
  for (const { kernelName, build } of overrides) {
    const stock = tf.getKernel(kernelName, backendName) as Marked | undefined;
    if (stock !== undefined && STOCK in stock) continue;
    if (stock !== undefined) tf.unregisterKernel(kernelName, backendName);
    const config: Marked = {
      kernelName,
      backendName,
      kernelFunc: build(stock),
      // the stock setup (e.g. BatchMatMul's cwrap) still has to run when the backend starts
      setupFunc: stock?.setupFunc,
      disposeFunc: stock?.disposeFunc,
      [STOCK]: stock ?? null,
    };
    tf.registerKernel(config);
    installed.push(kernelName);
  }
  return installed;
}

/** Puts the stock kernels back (used by the benchmark's "before" column). */
export function uninstallKernels(backendName: string, kernelNames: readonly string[]): void {
  for (const kernelName of kernelNames) {
    const current = tf.getKernel(kernelName, backendName) as Marked | undefined;
    if (current === undefined || !(STOCK in current)) continue;
    tf.unregisterKernel(kernelName, backendName);
    const stock = current[STOCK];
    if (stock) tf.registerKernel(stock);
  }
}

/** The kernel function registered now, for calling another kernel from inside a kernel. */
export function kernelFunc(kernelName: string, backendName: string): KernelFunc {
  const config = tf.getKernel(kernelName, backendName);
  if (!config) throw new Error(`kernel ${kernelName} is not registered for backend ${backendName}`);
  return config.kernelFunc;
}
