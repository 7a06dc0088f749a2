// GatherV2 of whole rows (axis 0, e.g. the embedding lookup [10000, 200] -> [700, 200]) for wasm.
// Stock it took ~10 ms for 700 rows of 200, which is 700 row copies (~0.7 ms here, through heap
// views). Other cases (other axes, batchDims, indices out of range) go to the stock kernel.
// (A native tiled Transpose was tried too: slower than the stock one, 16 vs 7 ms for
// [10000, 200]; not kept.)
import { GatherV2, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import type { WasmBackendInternals } from "./wasm-internals.js";

const gather = (stock: KernelConfig | undefined): KernelFunc => {
  if (!stock) throw new Error("wasm has no stock GatherV2 kernel to wrap");
  return (args) => {
    const x = args.inputs["x"] as TensorInfo;
    const indices = args.inputs["indices"] as TensorInfo;
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const ax = util.parseAxisParam(axis, x.shape)[0];
    if (ax !== 0 || (batchDims ?? 0) !== 0 || indices.dtype !== "int32" || x.dtype === "string" || x.shape.length < 1) return stock.kernelFunc(args);
    const wasm = args.backend as WasmBackendInternals;
    const rows = x.shape[0]!;
    const inner = util.sizeFromShape(x.shape.slice(1));
    const ids = wasm.typedArrayFromHeap(indices);
    for (let i = 0; i < ids.length; i++) if (!(ids[i]! >= 0 && ids[i]! < rows)) return stock.kernelFunc(args); // stock reports it
    const out = wasm.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const src = wasm.typedArrayFromHeap(x); // views after makeOutput (it may grow the heap)
    const dst = wasm.typedArrayFromHeap(out);
    const idv = wasm.typedArrayFromHeap(indices);
    for (let i = 0; i < idv.length; i++) {
      const from = idv[i]! * inner;
      dst.set(src.subarray(from, from + inner), i * inner);
    }
    return out;
  };
};

export const wasmGatherOverrides: readonly KernelOverride[] = [{ kernelName: GatherV2, build: gather }];
