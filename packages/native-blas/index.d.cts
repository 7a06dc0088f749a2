export interface NativeBlas {
  /** C_b = alpha op(A_b) op(B_b) + beta C_b, row-major; offsets and strides in bytes of `heap`. */
  sgemm(heap: Uint8Array | ArrayBuffer, transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number, alpha: number, aOff: number, aStride: number, bOff: number, bStride: number, beta: number, cOff: number, cStride: number): void;
  /** C[r, :] += bias[:] for a [rows, cols] C. */
  addRowVector(heap: Uint8Array | ArrayBuffer, cOff: number, rows: number, cols: number, biasOff: number): void;
  softmaxXent(heap: Uint8Array, zOff: number, yOff: number, n: number, v: number, pOff: number, nllOff: number): void;
  softmaxXentGrad(heap: Uint8Array, pOff: number, coefOff: number, yOff: number, n: number, v: number, outOff: number): void;
  sumRows(heap: Uint8Array, xOff: number, rows: number, cols: number, outOff: number): void;
  lstmCell(heap: Uint8Array, xpOff: number, uhOff: number, cOff: number, n: number, hOff: number, cNextOff: number, actsOff: number): void;
  lstmCellGrad(heap: Uint8Array, actsOff: number, cOff: number, dhOff: number, dcOff: number, n: number, dgatesOff: number, dcPrevOff: number): void;
  getThreads(): number;
  setThreads(n: number): void;
  /** OpenBLAS's build description (version, kernel, threading). */
  config(): string;
}
export declare const blas: NativeBlas | null;
/** Why `blas` is null ("" when it loaded). */
export declare const reason: string;
