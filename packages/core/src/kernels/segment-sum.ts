// UnsortedSegmentSum as one pass over the rows: out[ids[i]] += x[i].
// wasm has no such kernel, so the gradient of tf.gather (embeddings) fails there; the cpu
// backend's takes minutes for a [10000, 200] result (it loops over segments with tensor ops).
// Ids outside [0, numSegments) are dropped, as in TensorFlow.
import { UnsortedSegmentSum, util } from "@tensorflow/tfjs-core";
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import type { CpuBackendInternals, HeapArray, WasmBackendInternals } from "./wasm-internals.js";

/** out: [numSegments, inner], zero-filled here; x: [rows, inner]; ids: [rows]. */
export function segmentSumInto(x: HeapArray, ids: HeapArray, inner: number, numSegments: number, out: HeapArray): void {
  out.fill(0);
  const rows = ids.length;
  for (let i = 0; i < rows; i++) {
    const seg = ids[i]!;
    if (seg < 0 || seg >= numSegments) continue;
    const src = i * inner;
    const dst = seg * inner;
    for (let j = 0; j < inner; j++) out[dst + j]! += x[src + j]!;
  }
}

interface SegmentArgs {
  x: TensorInfo;
  ids: TensorInfo;
  numSegments: number;
  outShape: number[];
  inner: number;
}

function parse(inputs: Record<string, unknown>, attrs: Record<string, unknown> | undefined): SegmentArgs {
  const x = inputs["x"] as TensorInfo;
  const ids = inputs["segmentIds"] as TensorInfo;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const inner = util.sizeFromShape(x.shape.slice(ids.shape.length));
  return { x, ids, numSegments, inner, outShape: [numSegments, ...x.shape.slice(ids.shape.length)] };
}

const supported = (dtype: DataType): boolean => dtype === "float32" || dtype === "int32";

const wasmSegmentSum =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    const { x, ids, numSegments, inner, outShape } = parse(args.inputs, args.attrs);
    if (!supported(x.dtype)) {
      if (stock) return stock.kernelFunc(args);
      throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, got ${x.dtype}`);
    }
    const backend = args.backend as WasmBackendInternals;
    const out = backend.makeOutput(outShape, x.dtype); // before the views: may grow the heap
    const idsView = ids.dtype === "int32" ? backend.typedArrayFromHeap(ids) : Int32Array.from(backend.typedArrayFromHeap(ids));
    segmentSumInto(backend.typedArrayFromHeap(x), idsView, inner, numSegments, backend.typedArrayFromHeap(out));
    return out;
  };

const cpuSegmentSum =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    const { x, ids, numSegments, inner, outShape } = parse(args.inputs, args.attrs);
    if (!supported(x.dtype) && stock) return stock.kernelFunc(args);
    const backend = args.backend as CpuBackendInternals;
    const out = x.dtype === "int32" ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    segmentSumInto(backend.readSync(x.dataId), Int32Array.from(backend.readSync(ids.dataId)), inner, numSegments, out);
    return backend.makeTensorInfo(outShape, x.dtype, out);
  };

export const wasmSegmentSumOverrides: readonly KernelOverride[] = [{ kernelName: UnsortedSegmentSum, build: wasmSegmentSum }];
export const cpuSegmentSumOverrides: readonly KernelOverride[] = [{ kernelName: UnsortedSegmentSum, build: cpuSegmentSum }];
