// The two passes of a clipped SGD step over every parameter (4.6M floats in the reference LM):
// sum of squares (for the global gradient norm) and out = p + alpha g (the update with the clip
// factor folded into alpha). As tfjs ops they are Square + Sum + AddN, then Mul (clip) + Mul (lr)
// + Sub: five passes and four temporaries per parameter (~15 ms a step on wasm). Here one pass
// each, on the native addon's OpenMP threads when it is active, else a loop over the wasm heap.
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import type { KernelOverride } from "./registry.js";
import type { WasmBackendInternals } from "./wasm-internals.js";

export const SumOfSquares = "UnrollSumOfSquares";
export const Axpy = "UnrollAxpy";

const float32 = (kernel: string, ...ts: TensorInfo[]) => {
  if (ts.some((t) => t.dtype !== "float32")) throw new Error(`${kernel}: expected float32 tensors; got ${ts.map((t) => t.dtype).join(", ")}`);
};

const sumOfSquares: KernelFunc = ({ inputs, backend }) => {
  const x = inputs["x"] as TensorInfo;
  float32(SumOfSquares, x);
  const wasm = backend as WasmBackendInternals;
  const n = util.sizeFromShape(x.shape);
  const out = wasm.makeOutput([], "float32");
  const blas = activeNativeBlas();
  let s = 0;
  if (blas) s = blas.sumSquares(wasm.wasm.HEAPU8, wasm.dataIdMap.get(x.dataId)!.memoryOffset, n);
  else {
    const v = wasm.typedArrayFromHeap(x);
    for (let i = 0; i < n; i++) s += v[i]! * v[i]!;
  }
  wasm.typedArrayFromHeap(out)[0] = s;
  return out;
};

const axpy: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as TensorInfo;
  const y = inputs["y"] as TensorInfo;
  float32(Axpy, x, y);
  if (!util.arraysEqual(x.shape, y.shape)) throw new Error(`${Axpy}: x and y must have one shape; got [${x.shape}] and [${y.shape}]`);
  const alpha = (attrs as { alpha: number }).alpha;
  const wasm = backend as WasmBackendInternals;
  const n = util.sizeFromShape(x.shape);
  const out = wasm.makeOutput(x.shape, "float32"); // before the views: may grow the heap
  const blas = activeNativeBlas();
  const off = (t: TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset;
  if (blas) blas.axpy(wasm.wasm.HEAPU8, off(x), off(y), n, alpha, off(out));
  else {
    const [xv, yv, ov] = [wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(y), wasm.typedArrayFromHeap(out)];
    for (let i = 0; i < n; i++) ov[i] = xv[i]! + alpha * yv[i]!;
  }
  return out;
};

export const wasmSgdUpdateOverrides: readonly KernelOverride[] = [
  { kernelName: SumOfSquares, build: () => sumOfSquares },
  { kernelName: Axpy, build: () => axpy },
];
