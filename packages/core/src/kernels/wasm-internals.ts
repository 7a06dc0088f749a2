// The few BackendWasm internals our kernels touch (tfjs-backend-wasm 4.22, backend_wasm.ts).
// Kernels registered for "wasm" receive this object as `backend`; the stock kernels use the
// same members. Re-check them when the tfjs version moves.
import type { DataId, DataType, KernelBackend, TensorInfo } from "@tensorflow/tfjs-core";

/** One tensor's record in the wasm heap. */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

export type HeapArray = Float32Array | Int32Array | Uint8Array;

export interface WasmBackendInternals extends KernelBackend {
  dataIdMap: { get(dataId: DataId): WasmTensorData | undefined };
  /** Allocates (uninitialised) heap memory for a new tensor. May grow the heap. */
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of the tensor's heap memory; invalid after anything that may grow the heap. */
  typedArrayFromHeap(t: TensorInfo): HeapArray;
  wasm: { HEAPU8: Uint8Array; tfjs: { getThreadsCount(): number } };
}

/**
 * A tensor's byte offset in the wasm heap, which is how the native addon takes it; -1 for an
 * absent tensor (the addon's "not given"). Read it after the last makeOutput of a kernel: growing
 * the heap keeps offsets but replaces `wasm.wasm.HEAPU8`, so pass the heap read after that too.
 */
export function heapOffset(wasm: WasmBackendInternals, t: TensorInfo | undefined): number {
  return t ? wasm.dataIdMap.get(t.dataId)!.memoryOffset : -1;
}

/** The pure-JS cpu backend's data access (tfjs-backend-cpu 4.22). */
export interface CpuBackendInternals extends KernelBackend {
  readSync(dataId: DataId): HeapArray;
  makeTensorInfo(shape: number[], dtype: DataType, values?: HeapArray): TensorInfo;
}
