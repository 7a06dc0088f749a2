// One recurrent layer over all time steps as one kernel forward and one backward, on the native
// addon: the time loop (U h_{t-1} on OpenBLAS, then the cell's pointwise maths) runs in C instead
// of ~10 TensorFlow.js ops per step forward and ~20 backward (2 layers x 35 steps of them were
// the largest cost left outside the matMuls; benchmarks/RESULTS.md). The gradient of U is one
// product over all steps instead of T accumulated ones. One kernel pair per cell (LSTM, GRU,
// Elman), registered for wasm; ops/rnn-sequence.ts uses them only while the addon is active.
// Batch-major, as a layer's input and output are: xs [B, T, G*H], U [G*H, H], states [B, H]
// (no relayout around the loop), and a mask m [B, T] (1 token, 0 padding, where the state carries
// over: hs holds the carried states).
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas } from "./native-blas.js";
import type { KernelOverride } from "./registry.js";
import { heapOffset, type WasmBackendInternals } from "./wasm-internals.js";
import type { NativeBlas } from "./native-blas.js";

export const LstmSequence = "UnrollLstmSequence";
export const LstmSequenceGrad = "UnrollLstmSequenceGrad";
export const GruSequence = "UnrollGruSequence";
export const GruSequenceGrad = "UnrollGruSequenceGrad";
export const ElmanSequence = "UnrollElmanSequence";
export const ElmanSequenceGrad = "UnrollElmanSequenceGrad";

/** The addon's cell kinds, gate blocks and saved activations per step (in units of H). */
const CELLS = {
  lstm: { kind: 0, gates: 4, acts: 5 },
  gru: { kind: 1, gates: 3, acts: 4 },
  tanh: { kind: 2, gates: 1, acts: 1 },
  relu: { kind: 3, gates: 1, acts: 1 },
} as const;
type CellName = keyof typeof CELLS;

const cellOf = (kernel: string, attrs: unknown): CellName =>
  kernel === LstmSequence || kernel === LstmSequenceGrad
    ? "lstm"
    : kernel === GruSequence || kernel === GruSequenceGrad
      ? "gru"
      : (attrs as { activation: "tanh" | "relu" }).activation;

function nativeOrThrow(kernel: string) {
  const blas = activeNativeBlas();
  if (!blas) throw new Error(`${kernel} needs @unroll/native-blas (ops/rnn-sequence.ts checks rnnSequenceAvailable() first)`);
  return blas;
}

type Maybe = TensorInfo | undefined;

/** The forward layer kernel's tensors by name (absent: the cell has none) and sizes. */
interface SequenceArgs {
  xs: Maybe;
  u: Maybe;
  bh: Maybe;
  h0: Maybe;
  c0: Maybe;
  mask: Maybe; // inputs
  T: number;
  H: number;
  B: number;
  hs: Maybe;
  cs: Maybe;
  acts: Maybe; // outputs
}

/** The backward layer kernel's tensors by name and sizes. */
interface SequenceGradArgs {
  acts: Maybe;
  cs: Maybe;
  hs: Maybe;
  u: Maybe;
  h0: Maybe;
  c0: Maybe;
  mask: Maybe;
  dhs: Maybe;
  dcs: Maybe; // inputs
  T: number;
  H: number;
  B: number;
  dxs: Maybe;
  du: Maybe;
  dbh: Maybe;
  dh0: Maybe;
  dc0: Maybe; // outputs
}

/** The addon's layer kernels with named arguments; they take heap offsets in the order of @unroll/native-blas's index.d.cts. */
function nativeSequence(blas: NativeBlas, wasm: WasmBackendInternals, kind: number, a: SequenceArgs): void {
  const at = (t: Maybe) => heapOffset(wasm, t);
  blas.rnnSequence(wasm.wasm.HEAPU8, kind, at(a.xs), at(a.u), at(a.bh), at(a.h0), at(a.c0), at(a.mask), a.T, a.H, a.B, at(a.hs), at(a.cs), at(a.acts));
}

function nativeSequenceGrad(blas: NativeBlas, wasm: WasmBackendInternals, kind: number, a: SequenceGradArgs): void {
  const at = (t: Maybe) => heapOffset(wasm, t);
  blas.rnnSequenceGrad(
    wasm.wasm.HEAPU8,
    kind,
    at(a.acts),
    at(a.cs),
    at(a.hs),
    at(a.u),
    at(a.h0),
    at(a.c0),
    at(a.mask),
    at(a.dhs),
    at(a.dcs),
    a.T,
    a.H,
    a.B,
    at(a.dxs),
    at(a.du),
    at(a.dbh),
    at(a.dh0),
    at(a.dc0),
  );
}

function forward(kernel: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { xs, u, bh, h0, c0, mask } = inputs as Record<string, TensorInfo | undefined>;
    const cell = CELLS[cellOf(kernel, attrs)];
    const [B, T, GH] = xs!.shape as [number, number, number];
    const H = u!.shape[1]!;
    const stateOk = (s: TensorInfo | undefined) => s !== undefined && s.shape.length === 2 && s.shape[0] === B && s.shape[1] === H;
    const ok =
      xs!.shape.length === 3 &&
      GH === cell.gates * H &&
      u!.shape[0] === GH &&
      stateOk(h0) &&
      (cell.kind === 0) === stateOk(c0) &&
      (cell.kind === 1) === (bh !== undefined && util.sizeFromShape(bh.shape) === GH) &&
      mask !== undefined &&
      util.arraysEqual(mask.shape, [B, T]);
    if (!ok || [xs, u, bh, h0, c0, mask].some((t) => t !== undefined && t.dtype !== "float32")) {
      throw new Error(
        `${kernel}: expected float32 xs [B, T, ${cell.gates}H], U [${cell.gates}H, H], h0 [B, H]${cell.kind === 0 ? ", c0 [B, H]" : ""}${cell.kind === 1 ? ", bh [3H]" : ""}, mask [B, T]; got xs [${xs!.shape}], U [${u!.shape}], h0 [${h0?.shape}], mask [${mask?.shape}]`,
      );
    }
    const blas = nativeOrThrow(kernel);
    const wasm = backend as WasmBackendInternals;
    const hs = wasm.makeOutput([B, T, H], "float32");
    const cs = cell.kind === 0 ? wasm.makeOutput([B, T, H], "float32") : undefined;
    const acts = wasm.makeOutput([B, T, cell.acts * H], "float32");
    nativeSequence(blas, wasm, cell.kind, { xs, u, bh, h0, c0, mask, T, H, B, hs, cs, acts });
    return [hs, ...(cs ? [cs] : []), acts];
  };
}

function backward(kernel: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { acts, cs, hs, u, h0, c0, mask, dhs, dcs } = inputs as Record<string, TensorInfo | undefined>;
    const cell = CELLS[cellOf(kernel, attrs)];
    const [B, T, H] = hs!.shape as [number, number, number];
    const n = B * T * H;
    const lstm = cell.kind === 0;
    if (
      !acts ||
      util.sizeFromShape(acts.shape) !== cell.acts * n ||
      !mask ||
      util.sizeFromShape(mask.shape) !== B * T ||
      [dhs, ...(lstm ? [cs, dcs] : [])].some((t) => t === undefined || util.sizeFromShape(t.shape) !== n)
    ) {
      throw new Error(
        `${kernel}: expected hs, dhs${lstm ? ", cs, dcs" : ""} [B, T, H], acts [B, T, ${cell.acts}H] and mask [B, T]; got hs [${hs!.shape}], dhs [${dhs?.shape}], acts [${acts?.shape}], mask [${mask?.shape}]`,
      );
    }
    const blas = nativeOrThrow(kernel);
    const wasm = backend as WasmBackendInternals;
    const G = cell.gates;
    const dxs = wasm.makeOutput([B, T, G * H], "float32");
    const du = wasm.makeOutput([G * H, H], "float32");
    const dbh = cell.kind === 1 ? wasm.makeOutput([G * H], "float32") : undefined;
    const dh0 = wasm.makeOutput([B, H], "float32");
    const dc0 = lstm ? wasm.makeOutput([B, H], "float32") : undefined;
    const [lcs, lc0, ldcs] = lstm ? [cs, c0, dcs] : [];
    nativeSequenceGrad(blas, wasm, cell.kind, { acts, cs: lcs, hs, u, h0, c0: lc0, mask, dhs, dcs: ldcs, T, H, B, dxs, du, dbh, dh0, dc0 });
    return [dxs, du, ...(dbh ? [dbh] : []), dh0, ...(dc0 ? [dc0] : [])];
  };
}

export const wasmRnnSequenceOverrides: readonly KernelOverride[] = [LstmSequence, GruSequence, ElmanSequence].flatMap((name) => [
  { kernelName: name, build: () => forward(name) },
  { kernelName: `${name}Grad`, build: () => backward(`${name}Grad`) },
]);
