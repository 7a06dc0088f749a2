// Sum over the leading axes for wasm: out[j] = sum_r x[r, j]. The bias gradient of every dense
// layer is such a sum ([700, 10000] -> [10000] for the LM decoder); the stock wasm Sum first
// transposes the input so the reduced axes come last (a full copy), then reduces. Here: one
// pass over the rows (native with the OpenBLAS addon, else over a view of the heap). Other
// reductions go to the stock kernel.
import { Sum, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import type { KernelOverride } from "./registry.js";
import { heapOffset, type HeapArray, type WasmBackendInternals } from "./wasm-internals.js";

/** out [cols] = column sums of x [rows, cols]. */
export function sumRowsInto(x: HeapArray, rows: number, cols: number, out: HeapArray): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) out[j]! += x[base + j]!;
  }
}

/** How many leading axes `axis` reduces (all of 0..k-1 and nothing else), else 0. */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = [...new Set(util.parseAxisParam(axis, new Array<number>(rank).fill(1)))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length === rank) return 0; // nothing or everything: stock
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

const wasmSum = (stock: KernelConfig | undefined): KernelFunc => {
  if (!stock) throw new Error("wasm has no stock Sum kernel to wrap");
  return (args) => {
    const x = args.inputs["x"] as TensorInfo;
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const k = x.dtype === "float32" ? leadingAxes(axis, x.shape.length) : 0;
    const rows = util.sizeFromShape(x.shape.slice(0, k));
    if (k === 0 || rows < 2) return stock.kernelFunc(args);
    const cols = util.sizeFromShape(x.shape.slice(k));
    const wasm = args.backend as WasmBackendInternals;
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
    const out = wasm.makeOutput(outShape, "float32");
    const blas = activeNativeBlas();
    if (blas) blas.sumRows(wasm.wasm.HEAPU8, heapOffset(wasm, x), rows, cols, heapOffset(wasm, out));
    else sumRowsInto(wasm.typedArrayFromHeap(x), rows, cols, wasm.typedArrayFromHeap(out));
    return out;
  };
};

export const wasmSumOverrides: readonly KernelOverride[] = [{ kernelName: Sum, build: wasmSum }];
