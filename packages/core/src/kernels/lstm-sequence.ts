// One LSTM layer over all time steps as one kernel forward and one backward, on the native
// addon: the time loop (U h_{t-1} on OpenBLAS, then the cell's pointwise maths) runs in C instead
// of ~10 TensorFlow.js ops per step forward and ~20 backward (2 layers x 35 steps of them were
// the largest cost left outside the matMuls; benchmarks/RESULTS.md). The gradient of U is one
// product over all steps instead of 35 accumulated ones. Registered for wasm; used by
// ops/lstm-sequence.ts only while the addon is active (nativeBlasInfo().active).
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import type { KernelOverride } from "./registry.js";
import type { WasmBackendInternals } from "./wasm-internals.js";

export const LstmSequence = "UnrollLstmSequence";
export const LstmSequenceGrad = "UnrollLstmSequenceGrad";

function dims(xs: TensorInfo, u: TensorInfo, h0: TensorInfo, c0: TensorInfo): { T: number; H: number; B: number } {
  const [T, G, B] = xs.shape as [number, number, number];
  const H = u.shape[1]!;
  const ok = xs.shape.length === 3 && G === 4 * H && u.shape.length === 2 && u.shape[0] === 4 * H && [h0, c0].every((s) => s.shape.length === 2 && s.shape[0] === H && s.shape[1] === B);
  if (!ok || [xs, u, h0, c0].some((t) => t.dtype !== "float32")) {
    throw new Error(`${LstmSequence}: expected float32 xs [T, 4H, B], U [4H, H], h0 and c0 [H, B]; got [${xs.shape}], [${u.shape}], [${h0.shape}], [${c0.shape}]`);
  }
  return { T, H, B };
}

function nativeOrThrow(kernel: string) {
  const blas = activeNativeBlas();
  if (!blas) throw new Error(`${kernel} needs @unroll/native-blas (ops/lstm-sequence.ts checks lstmSequenceAvailable() first)`);
  return blas;
}

const forward: KernelFunc = ({ inputs, backend }) => {
  const { xs, u, h0, c0 } = inputs as Record<string, TensorInfo>;
  const { T, H, B } = dims(xs!, u!, h0!, c0!);
  const blas = nativeOrThrow(LstmSequence);
  const wasm = backend as WasmBackendInternals;
  const hs = wasm.makeOutput([T, H, B], "float32");
  const cs = wasm.makeOutput([T, H, B], "float32");
  const acts = wasm.makeOutput([T, 5 * H, B], "float32");
  const off = (t: TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset;
  blas.lstmSequence(wasm.wasm.HEAPU8, off(xs!), off(u!), off(h0!), off(c0!), T, H, B, off(hs), off(cs), off(acts));
  return [hs, cs, acts];
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { acts, cs, hs, u, h0, c0, dhs, dcs } = inputs as Record<string, TensorInfo>;
  const [T, H, B] = hs!.shape as [number, number, number];
  const n = T * H * B;
  if (util.sizeFromShape(acts!.shape) !== 5 * n || [cs, dhs, dcs].some((t) => util.sizeFromShape(t!.shape) !== n)) {
    throw new Error(`${LstmSequenceGrad}: expected acts [T, 5H, B] and cs, hs, dhs, dcs [T, H, B]; got [${acts!.shape}], [${cs!.shape}], [${hs!.shape}], [${dhs!.shape}], [${dcs!.shape}]`);
  }
  const blas = nativeOrThrow(LstmSequenceGrad);
  const wasm = backend as WasmBackendInternals;
  const dxs = wasm.makeOutput([T, 4 * H, B], "float32");
  const du = wasm.makeOutput([4 * H, H], "float32");
  const dh0 = wasm.makeOutput([H, B], "float32");
  const dc0 = wasm.makeOutput([H, B], "float32");
  const off = (t: TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset;
  blas.lstmSequenceGrad(wasm.wasm.HEAPU8, off(acts!), off(cs!), off(hs!), off(u!), off(h0!), off(c0!), off(dhs!), off(dcs!), T, H, B, off(dxs), off(du), off(dh0), off(dc0));
  return [dxs, du, dh0, dc0];
};

export const wasmLstmSequenceOverrides: readonly KernelOverride[] = [
  { kernelName: LstmSequence, build: () => forward },
  { kernelName: LstmSequenceGrad, build: () => backward },
];
