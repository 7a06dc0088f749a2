// BatchMatMul / _FusedMatMul for wasm.
// 1. With the OpenBLAS addon (native-blas.ts): one sgemm call on the wasm heap, transposes as
//    BLAS flags (free), batches looped in C, a fused bias added in C. Other activations and
//    prelu weights take path 2 for the stock kernel, then nothing else changes.
// 2. Without it: the stock wasm kernel without the transpose flags. The stock kernel is ~10x
//    slower when transposeA/transposeB is set (700x200 @ 200x800, tfjs-backend-wasm 4.22;
//    scripts/bench-ops.ts, section 1), and every matMul gradient sets one. Transposing the
//    operand explicitly (one fast wasm Transpose) and calling the stock kernel with both flags
//    off is much faster, except when the product is too thin to pay for
//    the transpose: h [1, 200] times E^T with E [10000, 200] takes ~6 ms transposed in place and
//    ~20 ms with the copy (measured; crossover ~6-8 rows). _FusedMatMul always gets explicit
//    transposes: the stock wasm kernel adds the bias wrongly when a transpose flag is set
//    (tfjs-backend-wasm 4.22; checked against cpu in the tests).
import { BatchMatMul, _FusedMatMul, broadcast_util, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import { kernelFunc, type KernelOverride } from "./registry.js";
import { heapOffset, type WasmBackendInternals } from "./wasm-internals.js";

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

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

/**
 * C = op(A) op(B) (+ bias) by OpenBLAS on the wasm heap, or null when this call is not for it
 * (no addon, not float32, an activation, a batch broadcast other than 1-vs-n, a bias other than [N]).
 */
function nativeMatMul(inputs: NamedTensorInfoMap, wasm: WasmBackendInternals, attrs: MatMulAttrs): TensorInfo | null {
  const blas = activeNativeBlas();
  if (!blas) return null;
  const { a, b, bias, preluActivationWeights } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  if (a.dtype !== "float32" || b.dtype !== "float32" || preluActivationWeights) return null;
  if ((attrs.activation ?? "linear") !== "linear") return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const { transposeA: ta, transposeB: tb } = attrs;
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = tb ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return null; // let the stock kernel report the shape error
  const batchShape = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = util.sizeFromShape(batchShape);
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  if (bias && (bias.dtype !== "float32" || util.sizeFromShape(bias.shape) !== n || (bias.shape.length > 1 && bias.shape[bias.shape.length - 1] !== n)))
    return null;
  const out = wasm.makeOutput([...batchShape, m, n], "float32"); // may grow the heap: offsets after
  if (batch * m * n === 0) return out;
  const heap = wasm.wasm.HEAPU8; // the current view (replaced when the heap grows)
  const cOff = heapOffset(wasm, out);
  blas.sgemm(
    heap,
    ta,
    tb,
    batch,
    m,
    n,
    k,
    1,
    heapOffset(wasm, a),
    batchA === 1 ? 0 : m * k * 4,
    heapOffset(wasm, b),
    batchB === 1 ? 0 : k * n * 4,
    0,
    cOff,
    m * n * 4,
  );
  if (bias) blas.addRowVector(heap, cOff, batch * m, n, heapOffset(wasm, bias));
  return out;
}

function withoutTransposes(kernelName: string, stock: KernelConfig | undefined, minExtent: number): KernelFunc {
  if (!stock) throw new Error(`wasm has no stock ${kernelName} kernel to wrap`);
  const stockFunc = stock.kernelFunc;
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackendInternals;
    const native = nativeMatMul(inputs, wasm, attrs as unknown as MatMulAttrs);
    if (native) return native;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stockFunc({ inputs, backend, attrs });
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
