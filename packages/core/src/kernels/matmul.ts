// BatchMatMul / _FusedMatMul for wasm without the transpose flags.
// The stock wasm kernel is ~10x slower when transposeA/transposeB is set (stack notes, item 2),
// and every matMul gradient sets one. Transposing the operand explicitly (one fast wasm
// Transpose) and calling the stock kernel with both flags off is much faster, except when the
// product is too thin to pay for the transpose: h [1, 200] times E^T with E [10000, 200]
// takes ~6 ms transposed in place and ~20 ms with the copy (measured; crossover ~6-8 rows).
// _FusedMatMul always gets explicit transposes: the stock wasm kernel adds the bias wrongly
// when a transpose flag is set (tfjs-backend-wasm 4.22; checked against cpu in the tests).
import { BatchMatMul, _FusedMatMul } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs-core";
import { kernelFunc, type KernelOverride } from "./registry.js";
import type { WasmBackendInternals } from "./wasm-internals.js";

/** Swaps the last two dimensions with the backend's own Transpose kernel. */
function transposeLastTwo(x: TensorInfo, backend: WasmBackendInternals): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return kernelFunc("Transpose", "wasm")({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
}

/** Below this many rows (columns) of output, A^T (B^T) stays a flag: the copy would cost more. */
export const MIN_OUTPUT_EXTENT_TO_TRANSPOSE = 8;

function withoutTransposes(kernelName: string, stock: KernelConfig | undefined, minExtent: number): KernelFunc {
  if (!stock) throw new Error(`wasm has no stock ${kernelName} kernel to wrap`);
  const stockFunc = stock.kernelFunc;
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stockFunc({ inputs, backend, attrs });
    const wasm = backend as WasmBackendInternals;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const rows = transposeA ? a.shape[a.shape.length - 1]! : a.shape[a.shape.length - 2]!; // of the output
    const cols = transposeB ? b.shape[b.shape.length - 2]! : b.shape[b.shape.length - 1]!;
    const copyA = transposeA && cols >= minExtent;
    const copyB = transposeB && rows >= minExtent;
    if (!copyA && !copyB) return stockFunc({ inputs, backend, attrs });
    const aT = copyA ? transposeLastTwo(a, wasm) : a;
    const bT = copyB ? transposeLastTwo(b, wasm) : b;
    const newInputs: NamedTensorInfoMap = { ...inputs, a: aT, b: bT };
    const newAttrs: NamedAttrMap = { ...attrs, transposeA: transposeA && !copyA, transposeB: transposeB && !copyB };
    try {
      return stockFunc({ inputs: newInputs, backend, attrs: newAttrs });
    } finally {
      if (aT !== a) wasm.disposeData(aT.dataId);
      if (bT !== b) wasm.disposeData(bT.dataId);
    }
  };
}

export const matMulOverrides: readonly KernelOverride[] = [
  { kernelName: BatchMatMul, build: (stock) => withoutTransposes(BatchMatMul, stock, MIN_OUTPUT_EXTENT_TO_TRANSPOSE) },
  { kernelName: _FusedMatMul, build: (stock) => withoutTransposes(_FusedMatMul, stock, 0) },
];
