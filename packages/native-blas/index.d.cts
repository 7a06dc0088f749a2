export interface NativeBlas {
  /** C_b = alpha op(A_b) op(B_b) + beta C_b, row-major; offsets and strides in bytes of `heap`. */
  sgemm(
    heap: Uint8Array | ArrayBuffer,
    transA: boolean,
    transB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    aOff: number,
    aStride: number,
    bOff: number,
    bStride: number,
    beta: number,
    cOff: number,
    cStride: number,
  ): void;
  /** C[r, :] += bias[:] for a [rows, cols] C. */
  addRowVector(heap: Uint8Array | ArrayBuffer, cOff: number, rows: number, cols: number, biasOff: number): void;
  softmaxXent(heap: Uint8Array, zOff: number, yOff: number, n: number, v: number, pOff: number, nllOff: number): void;
  softmaxXentGrad(heap: Uint8Array, pOff: number, coefOff: number, yOff: number, n: number, v: number, outOff: number): void;
  sumRows(heap: Uint8Array, xOff: number, rows: number, cols: number, outOff: number): void;
  lstmCell(heap: Uint8Array, xpOff: number, uhOff: number, cOff: number, n: number, hOff: number, cNextOff: number, actsOff: number): void;
  lstmCellGrad(heap: Uint8Array, actsOff: number, cOff: number, dhOff: number, dcOff: number, n: number, dgatesOff: number, dcPrevOff: number): void;
  /**
   * One RNN layer over T steps, batch-major; kind 0 LSTM, 1 GRU, 2 Elman tanh, 3 Elman relu (G = 4, 3, 1, 1 gate blocks;
   * A = 5, 4, 1, 1 saved activations): xs [B, T, G*H], U [G*H, H], bh [G*H] (GRU, else -1), h0 [B, H], c0 [B, H] (LSTM, else -1),
   * m [B, T] mask (1 token, 0 padding: the state carries over) -> hs [B, T, H] (carried states), cs [B, T, H] (LSTM, else -1), acts [B, T, A*H].
   */
  rnnSequence(
    heap: Uint8Array,
    kind: number,
    xsOff: number,
    uOff: number,
    bhOff: number,
    h0Off: number,
    c0Off: number,
    mOff: number,
    T: number,
    H: number,
    B: number,
    hsOff: number,
    csOff: number,
    actsOff: number,
  ): void;
  /** Its gradient: -> dxs [B, T, G*H], dU [G*H, H], dbh [G*H] (GRU), dh0, dc0 (LSTM) [B, H]; unused offsets -1. */
  rnnSequenceGrad(
    heap: Uint8Array,
    kind: number,
    actsOff: number,
    csOff: number,
    hsOff: number,
    uOff: number,
    h0Off: number,
    c0Off: number,
    mOff: number,
    dhsOff: number,
    dcsOff: number,
    T: number,
    H: number,
    B: number,
    dxsOff: number,
    duOff: number,
    dbhOff: number,
    dh0Off: number,
    dc0Off: number,
  ): void;
  /** sum_i x_i^2 over n floats. */
  sumSquares(heap: Uint8Array, xOff: number, n: number): number;
  /** out = x + alpha y over n floats. */
  axpy(heap: Uint8Array, xOff: number, yOff: number, n: number, alpha: number, outOff: number): void;
  /** One Adam step over n floats (gradient times `scale` first) into pOut, mOut, vOut. */
  adam(
    heap: Uint8Array,
    pOff: number,
    gOff: number,
    mOff: number,
    vOff: number,
    n: number,
    scale: number,
    lrOverC1: number,
    beta1: number,
    beta2: number,
    invC2: number,
    eps: number,
    pOutOff: number,
    mOutOff: number,
    vOutOff: number,
  ): void;
  getThreads(): number;
  setThreads(n: number): void;
  /** OpenBLAS's build description (version, kernel, threading). */
  config(): string;
}
export declare const blas: NativeBlas | null;
/** Why `blas` is null ("" when it loaded). */
export declare const reason: string;
/** "" when the addon loaded; else "slow path: no OpenBLAS (why). ... Fix: <command>", for users to read. */
export declare const notice: string;
/** The command that builds the addon ("" when it loaded). */
export declare const fix: string;
/** OPENBLAS_CORETYPE in effect: the user's, or the one chosen from the CPU's flags; null: OpenBLAS detects. */
export declare const coreType: string | null;
