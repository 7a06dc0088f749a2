// BatchMatMul / _FusedMatMul for wasm without the transpose flags.
// The stock wasm kernel is ~10x slower when transposeA/transposeB is set (stack notes, item 2),
// and every matMul gradient sets one. Transposing the operand explicitly (one fast wasm
// Transpose) and calling the stock kernel with both flags off is much faster.
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

function withoutTransposes(kernelName: string, stock: KernelConfig | undefined): KernelFunc {
  if (!stock) throw new Error(`wasm has no stock ${kernelName} kernel to wrap`);
  const stockFunc = stock.kernelFunc;
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stockFunc({ inputs, backend, attrs });
    const wasm = backend as WasmBackendInternals;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const aT = transposeA ? transposeLastTwo(a, wasm) : a;
    const bT = transposeB ? transposeLastTwo(b, wasm) : b;
    const newInputs: NamedTensorInfoMap = { ...inputs, a: aT, b: bT };
    const newAttrs: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
    try {
      return stockFunc({ inputs: newInputs, backend, attrs: newAttrs });
    } finally {
      if (aT !== a) wasm.disposeData(aT.dataId);
      if (bT !== b) wasm.disposeData(bT.dataId);
    }
  };
}

export const matMulOverrides: readonly KernelOverride[] = [
  { kernelName: BatchMatMul, build: (stock) => withoutTransposes(BatchMatMul, stock) },
  { kernelName: _FusedMatMul, build: (stock) => withoutTransposes(_FusedMatMul, stock) },
];
