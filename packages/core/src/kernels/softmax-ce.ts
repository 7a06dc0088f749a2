// Softmax cross-entropy forward in one kernel: p = softmax(z) and nll_i = logsumexp(z_i) - z_i[y_i].
// As tfjs ops on wasm it is Softmax, two Max over [700, 10000], Log, Gather and Sub (~35 ms);
// with the OpenBLAS addon it is one native pass, else the stock Softmax plus one pass over the
// heap for the row maxima. Our own kernel name; ops/cross-entropy.ts uses it where registered.
import { Softmax, util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import { kernelFunc, type KernelOverride } from "./registry.js";
import { heapOffset, type HeapArray, type WasmBackendInternals } from "./wasm-internals.js";

export const SoftmaxCrossEntropy = "UnrollSoftmaxCrossEntropy";

/** nll_i from z and p = softmax(z): logsumexp_i = z_ik - log p_ik at k = argmax (p_ik >= 1/V). */
export function nllFromSoftmaxInto(z: HeapArray, p: HeapArray, targets: HeapArray, v: number, nll: HeapArray): void {
  const n = nll.length;
  for (let i = 0; i < n; i++) {
    const base = i * v;
    let best = base;
    for (let j = base + 1; j < base + v; j++) if (z[j]! > z[best]!) best = j;
    const lse = z[best]! - Math.log(p[best]!);
    const y = targets[i]!;
    nll[i] = y >= 0 && y < v ? lse - z[base + y]! : lse;
  }
}

const wasmKernel: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const logits = inputs["logits"] as TensorInfo;
  const targets = inputs["targets"] as TensorInfo;
  const [n, v] = logits.shape as [number, number];
  if (logits.shape.length !== 2 || logits.dtype !== "float32" || targets.dtype !== "int32" || util.sizeFromShape(targets.shape) !== n) {
    throw new Error(
      `${SoftmaxCrossEntropy}: expected float32 logits [n, v] and int32 targets [n]; got ${logits.dtype} [${logits.shape}], ${targets.dtype} [${targets.shape}]`,
    );
  }
  const wasm = backend as WasmBackendInternals;
  const blas = activeNativeBlas();
  if (blas) {
    const p = wasm.makeOutput([n, v], "float32");
    const nll = wasm.makeOutput([n], "float32");
    blas.softmaxXent(wasm.wasm.HEAPU8, heapOffset(wasm, logits), heapOffset(wasm, targets), n, v, heapOffset(wasm, p), heapOffset(wasm, nll));
    return [p, nll];
  }
  const p = kernelFunc(Softmax, "wasm")({ inputs: { logits }, backend, attrs: { dim: 1 } }) as TensorInfo; // a positive axis: the kernel does not normalise -1
  const nll = wasm.makeOutput([n], "float32");
  nllFromSoftmaxInto(wasm.typedArrayFromHeap(logits), wasm.typedArrayFromHeap(p), wasm.typedArrayFromHeap(targets), v, wasm.typedArrayFromHeap(nll));
  return [p, nll];
};

export const wasmSoftmaxCrossEntropyOverrides: readonly KernelOverride[] = [{ kernelName: SoftmaxCrossEntropy, build: () => wasmKernel }];
