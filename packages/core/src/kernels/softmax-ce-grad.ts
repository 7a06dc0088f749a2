// The gradient of mean softmax cross-entropy in one pass: g[i, :] = p[i, :] * c_i, then
// g[i, y_i] -= c_i (c_i = dloss/dnll_i). As tensor ops on wasm this is a broadcast mul, a
// ScatterNd and a sub over [700, 10000]: ~140 ms; this loop over the heap: ~15 ms.
// Our own kernel name; ops/cross-entropy.ts uses it where registered (wasm, cpu).
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import type { KernelOverride } from "./registry.js";
import { heapOffset, type CpuBackendInternals, type HeapArray, type WasmBackendInternals } from "./wasm-internals.js";

export const SoftmaxCrossEntropyGrad = "UnrollSoftmaxCrossEntropyGrad";

/** p: [n, v] softmax; coef: [n]; targets: [n] class ids; out: [n, v]. */
export function softmaxCrossEntropyGradInto(p: HeapArray, coef: HeapArray, targets: HeapArray, v: number, out: HeapArray): void {
  const n = coef.length;
  for (let i = 0; i < n; i++) {
    const c = coef[i]!;
    const base = i * v;
    for (let j = 0; j < v; j++) out[base + j] = p[base + j]! * c;
    const y = targets[i]!;
    if (y >= 0 && y < v) out[base + y]! -= c;
  }
}

function parse(inputs: Record<string, unknown>): { probs: TensorInfo; coef: TensorInfo; targets: TensorInfo; v: number } {
  const probs = inputs["probs"] as TensorInfo;
  const coef = inputs["coef"] as TensorInfo;
  const targets = inputs["targets"] as TensorInfo;
  const [n, v] = probs.shape as [number, number];
  if (probs.shape.length !== 2 || util.sizeFromShape(coef.shape) !== n || util.sizeFromShape(targets.shape) !== n || targets.dtype !== "int32") {
    throw new Error(
      `${SoftmaxCrossEntropyGrad}: expected probs [n, v], coef [n], int32 targets [n]; got [${probs.shape}], [${coef.shape}], ${targets.dtype} [${targets.shape}]`,
    );
  }
  return { probs, coef, targets, v };
}

const wasmKernel: KernelFunc = ({ inputs, backend }) => {
  const { probs, coef, targets, v } = parse(inputs);
  const wasm = backend as WasmBackendInternals;
  const out = wasm.makeOutput(probs.shape, "float32"); // before the views: may grow the heap
  const blas = activeNativeBlas(); // the same loop in C (~4 ms instead of ~15-25 ms)
  if (blas && coef.dtype === "float32") {
    blas.softmaxXentGrad(
      wasm.wasm.HEAPU8,
      heapOffset(wasm, probs),
      heapOffset(wasm, coef),
      heapOffset(wasm, targets),
      probs.shape[0]!,
      v,
      heapOffset(wasm, out),
    );
    return out;
  }
  softmaxCrossEntropyGradInto(wasm.typedArrayFromHeap(probs), wasm.typedArrayFromHeap(coef), wasm.typedArrayFromHeap(targets), v, wasm.typedArrayFromHeap(out));
  return out;
};

const cpuKernel: KernelFunc = ({ inputs, backend }) => {
  const { probs, coef, targets, v } = parse(inputs);
  const cpu = backend as CpuBackendInternals;
  const out = new Float32Array(util.sizeFromShape(probs.shape));
  softmaxCrossEntropyGradInto(cpu.readSync(probs.dataId), cpu.readSync(coef.dataId), cpu.readSync(targets.dataId), v, out);
  return cpu.makeTensorInfo(probs.shape, "float32", out);
};

export const wasmSoftmaxCrossEntropyGradOverrides: readonly KernelOverride[] = [{ kernelName: SoftmaxCrossEntropyGrad, build: () => wasmKernel }];
export const cpuSoftmaxCrossEntropyGradOverrides: readonly KernelOverride[] = [{ kernelName: SoftmaxCrossEntropyGrad, build: () => cpuKernel }];
