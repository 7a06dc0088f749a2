export interface NativeBlas {
  /** C_b = alpha op(A_b) op(B_b) + beta C_b, row-major; offsets and strides in bytes of `heap`. */
  sgemm(heap: Uint8Array | ArrayBuffer, transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number, alpha: number, aOff: number, aStride: number, bOff: number, bStride: number, beta: number, cOff: number, cStride: number): void;
  /** C[r, :] += bias[:] for a [rows, cols] C. */
  addRowVector(heap: Uint8Array | ArrayBuffer, cOff: number, rows: number, cols: number, biasOff: number): void;
  getThreads(): number;
  setThreads(n: number): void;
  /** OpenBLAS's build description (version, kernel, threading). */
  config(): string;
}
export declare const blas: NativeBlas | null;
/** Why `blas` is null ("" when it loaded). */
export declare const reason: string;
