// @unroll/core/kernels: the kernels that make the wasm (and cpu) backends fast enough to train
// on, and the optional OpenBLAS addon's switch and status. initBackend installs them; nothing is
// registered on import. Kernel names are exported for code that calls them through the engine.
import { installKernels, uninstallKernels, type KernelOverride } from "./registry.js";
import { matMulOverrides } from "./matmul.js";
import { sliceOverrides } from "./slice.js";
import { identityOverrides } from "./identity.js";
import { cpuLstmCellOverrides, wasmLstmCellOverrides } from "./lstm-cell.js";
import { wasmRnnSequenceOverrides } from "./rnn-sequence.js";
import { wasmOptimizerUpdateOverrides } from "./optimizer-update.js";
import { cpuGruCellOverrides, wasmGruCellOverrides } from "./gru-cell.js";
import { wasmSumOverrides } from "./sum.js";
import { wasmGatherOverrides } from "./gather.js";
import { wasmSoftmaxCrossEntropyOverrides } from "./softmax-ce.js";
import { cpuSegmentSumOverrides, wasmSegmentSumOverrides } from "./segment-sum.js";
import { cpuSoftmaxCrossEntropyGradOverrides, wasmSoftmaxCrossEntropyGradOverrides } from "./softmax-ce-grad.js";
import { webgpuAddNOverrides } from "./add-n.js";
import { webgpuSoftmaxCrossEntropyOverrides } from "./webgpu-softmax-ce.js";
import { webgpuRnnSequenceOverrides } from "./webgpu-rnn-sequence.js";
import { webgpuOptimizerUpdateOverrides } from "./webgpu-optimizer-update.js";
import { webgpuSegmentSumOverrides } from "./webgpu-segment-sum.js";
import { webgpuColumnSumOverrides } from "./webgpu-column-sum.js";

export { SoftmaxCrossEntropyGrad } from "./softmax-ce-grad.js";
export { LstmCell, LstmCellGrad } from "./lstm-cell.js";
export { ElmanSequence, GruSequence, LstmSequence } from "./rnn-sequence.js";
export { AdamUpdate, Axpy, CLIP_EPS, clipFactor, SumOfSquares, type AdamAttrs, type AxpyAttrs } from "./optimizer-update.js";
export { GruCell, GruCellGrad } from "./gru-cell.js";
export { SoftmaxCrossEntropy } from "./softmax-ce.js";
export { SLOW_PATH, nativeBlasInfo, setNativeBlas } from "./native-blas.js";
export type { NativeBlasInfo } from "./native-blas.js";

const overrides: Readonly<Record<string, readonly KernelOverride[]>> = {
  wasm: [
    ...matMulOverrides,
    ...identityOverrides,
    ...sliceOverrides,
    ...wasmSegmentSumOverrides,
    ...wasmSoftmaxCrossEntropyGradOverrides,
    ...wasmLstmCellOverrides,
    ...wasmRnnSequenceOverrides,
    ...wasmGruCellOverrides,
    ...wasmSumOverrides,
    ...wasmSoftmaxCrossEntropyOverrides,
    ...wasmGatherOverrides,
    ...wasmOptimizerUpdateOverrides,
  ],
  cpu: [...cpuSegmentSumOverrides, ...cpuSoftmaxCrossEntropyGradOverrides, ...cpuLstmCellOverrides, ...cpuGruCellOverrides],
  // a fix of a stock tfjs-backend-webgpu kernel, and the fused WGSL kernels (issue 14, part 2)
  webgpu: [
    ...webgpuAddNOverrides,
    ...webgpuSoftmaxCrossEntropyOverrides,
    ...webgpuRnnSequenceOverrides,
    ...webgpuOptimizerUpdateOverrides,
    ...webgpuSegmentSumOverrides,
    ...webgpuColumnSumOverrides,
  ],
};

/** Kernel names we replace or add for a tfjs backend name ("wasm", "cpu", "webgpu"); [] for others. */
export function fastKernelNames(backendName: string): string[] {
  return (overrides[backendName] ?? []).map((o) => o.kernelName);
}

/** Registers our kernels for the backend (idempotent); returns the names now ours. */
export function registerFastKernels(backendName: string): string[] {
  const list = overrides[backendName] ?? [];
  installKernels(backendName, list);
  return list.map((o) => o.kernelName);
}

/** Restores the stock kernels (for before/after measurements). */
export function unregisterFastKernels(backendName: string): void {
  uninstallKernels(backendName, fastKernelNames(backendName));
}
