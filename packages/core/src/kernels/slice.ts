// Slice / SplitV / Unpack for wasm that copy only what they return.
// The stock kernels read the whole input out of the wasm heap (readSync copies it) once per
// slice: unstacking [20, 35, 800] into its 35 time steps copied the whole tensor 35 times
// (scripts/bench-ops.ts, section 3, measures it).
// These read through a view of the heap and copy each output once.
import { Slice, SplitV, Unpack, backend_util, slice_util, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import type { HeapArray, WasmBackendInternals } from "./wasm-internals.js";

/**
 * Copies the box `begin`/`size` of `src` (row-major, shape `shape`) into `dst`.
 * Trailing dimensions taken whole are merged, so each copy is one contiguous run.
 */
export function copyBox(src: HeapArray, shape: readonly number[], begin: readonly number[], size: readonly number[], dst: HeapArray): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const strides = [...util.computeStrides([...shape]), 1];
  // k: first dimension from which everything after is taken whole
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === shape[k]) k--;
  const run = size[k]! * strides[k]!;
  let outer = 1;
  for (let d = 0; d < k; d++) outer *= size[d]!;
  const index = new Array<number>(k).fill(0);
  let out = 0;
  for (let n = 0; n < outer; n++) {
    let off = begin[k]! * strides[k]!;
    for (let d = 0; d < k; d++) off += (begin[d]! + index[d]!) * strides[d]!;
    if (run < 32) {
      for (let i = 0; i < run; i++) dst[out + i] = src[off + i]!;
    } else {
      dst.set(src.subarray(off, off + run), out);
    }
    out += run;
    for (let d = k - 1; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
}

function needStock(name: string, stock: KernelConfig | undefined): KernelFunc {
  if (!stock) throw new Error(`wasm has no stock ${name} kernel to wrap`);
  return stock.kernelFunc;
}

const slice = (stock: KernelConfig | undefined): KernelFunc => {
  const stockFunc = needStock(Slice, stock);
  return (args) => {
    const x = args.inputs["x"] as TensorInfo;
    if (x.dtype === "string") return stockFunc(args);
    const backend = args.backend as WasmBackendInternals;
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    const out = backend.makeOutput(s, x.dtype); // allocate first: growing the heap invalidates views
    if (util.sizeFromShape(s) > 0) copyBox(backend.typedArrayFromHeap(x), x.shape, b, s, backend.typedArrayFromHeap(out));
    return out;
  };
};

/** Splits `x` along `axis` into pieces of the given sizes, reading the input once. */
function splitAlong(x: TensorInfo, axis: number, sizes: readonly number[], backend: WasmBackendInternals, squeeze: boolean): TensorInfo[] {
  const outs = sizes.map((n) => {
    const shape = x.shape.slice();
    shape[axis] = n;
    return backend.makeOutput(shape, x.dtype);
  });
  const src = backend.typedArrayFromHeap(x);
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const inner = util.sizeFromShape(x.shape.slice(axis + 1));
  const rowLen = x.shape[axis]! * inner;
  const dsts = outs.map((o) => backend.typedArrayFromHeap(o));
  let start = 0;
  sizes.forEach((n, j) => {
    const run = n * inner;
    const dst = dsts[j]!;
    for (let o = 0; o < outer; o++) {
      const off = o * rowLen + start;
      if (run < 32) {
        for (let i = 0; i < run; i++) dst[o * run + i] = src[off + i]!;
      } else {
        dst.set(src.subarray(off, off + run), o * run);
      }
    }
    start += run;
  });
  if (squeeze) for (const o of outs) o.shape = o.shape.filter((_, d) => d !== axis);
  return outs;
}

const splitV = (stock: KernelConfig | undefined): KernelFunc => {
  const stockFunc = needStock(SplitV, stock);
  return (args) => {
    const x = args.inputs["x"] as TensorInfo;
    if (x.dtype === "string") return stockFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis) as number[];
    return splitAlong(x, $axis, sizes, args.backend as WasmBackendInternals, false);
  };
};

const unpack = (stock: KernelConfig | undefined): KernelFunc => {
  const stockFunc = needStock(Unpack, stock);
  return (args) => {
    const value = args.inputs["value"] as TensorInfo;
    if (value.dtype === "string") return stockFunc(args);
    let { axis } = args.attrs as { axis: number };
    if (axis < 0) axis += value.shape.length;
    const sizes = new Array<number>(value.shape[axis]!).fill(1);
    return splitAlong(value, axis, sizes, args.backend as WasmBackendInternals, true);
  };
};

export const sliceOverrides: readonly KernelOverride[] = [
  { kernelName: Slice, build: slice },
  { kernelName: SplitV, build: splitV },
  { kernelName: Unpack, build: unpack },
];
