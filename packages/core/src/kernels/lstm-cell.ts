// The pointwise part of an LSTM step, forward and backward, as one kernel each (feature-major
// states as in cells/: gates [4H, B] in PyTorch's order i, f, g, o; c [H, B]).
// Written as ~12 tfjs ops forward and ~20 for the gradient, a step of the reference LM costs
// ~30 engine round trips of a few microseconds of work each; 35 steps x 2 layers of them were a
// large share of a training step (profile in benchmarks/RESULTS.md). With the native addon a whole
// layer is one kernel instead (rnn-sequence.ts), so this loop runs over the wasm heap (or the cpu
// backend's arrays) only where the addon is absent or turned off.
//   forward:  i = s(a_i), f = s(a_f), g = tanh(a_g), o = s(a_o)   (a = xp + uh)
//             c' = f c + i g,  h = o tanh(c')
//   backward: dc~ = dc' + dh o (1 - tanh^2 c')
//             da_i = dc~ g i(1-i), da_f = dc~ c f(1-f), da_g = dc~ i (1-g^2), da_o = dh tanh(c') o(1-o)
//             dc = dc~ f
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import type { CpuBackendInternals, HeapArray, WasmBackendInternals } from "./wasm-internals.js";

export const LstmCell = "UnrollLstmCell";
export const LstmCellGrad = "UnrollLstmCellGrad";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One step's inputs and outputs, feature-major, n = H * B: the forward kernel's arguments. */
export interface LstmCellArrays {
  xp: HeapArray; // [4H, B] W x_t + b, gate blocks i, f, g, o
  uh: HeapArray; // [4H, B] U h_{t-1}
  c: HeapArray; // [H, B] c_{t-1}
  h: HeapArray; // [H, B] out: h_t
  cNext: HeapArray; // [H, B] out: c_t
  acts: HeapArray; // [5H, B] out: i, f, g, o, tanh(c_t), for the gradient
}

export function lstmCellInto({ xp, uh, c, h, cNext, acts }: LstmCellArrays, n: number): void {
  for (let k = 0; k < n; k++) {
    const i = sigmoid(xp[k]! + uh[k]!);
    const f = sigmoid(xp[n + k]! + uh[n + k]!);
    const g = Math.tanh(xp[2 * n + k]! + uh[2 * n + k]!);
    const o = sigmoid(xp[3 * n + k]! + uh[3 * n + k]!);
    const cn = f * c[k]! + i * g;
    const tc = Math.tanh(cn);
    cNext[k] = cn;
    h[k] = o * tc;
    acts[k] = i;
    acts[n + k] = f;
    acts[2 * n + k] = g;
    acts[3 * n + k] = o;
    acts[4 * n + k] = tc;
  }
}

/** The gradient kernel's arguments (n = H * B); an absent dcNext is zero, an absent output is not wanted. */
export interface LstmCellGradArrays {
  acts: HeapArray; // [5H, B] saved by the forward kernel
  c: HeapArray; // [H, B] c_{t-1}
  dh: HeapArray; // [H, B] dloss/dh_t
  dcNext?: HeapArray; // [H, B] dloss/dc_t
  dgates?: HeapArray; // [4H, B] out: dloss/d(xp + uh)
  dc?: HeapArray; // [H, B] out: dloss/dc_{t-1}
}

export function lstmCellGradInto({ acts, c, dh, dcNext, dgates, dc }: LstmCellGradArrays, n: number): void {
  for (let k = 0; k < n; k++) {
    const i = acts[k]!;
    const f = acts[n + k]!;
    const g = acts[2 * n + k]!;
    const o = acts[3 * n + k]!;
    const tc = acts[4 * n + k]!;
    const dhk = dh[k]!;
    const dct = (dcNext ? dcNext[k]! : 0) + dhk * o * (1 - tc * tc);
    if (dc) dc[k] = dct * f;
    if (!dgates) continue;
    dgates[k] = dct * g * i * (1 - i);
    dgates[n + k] = dct * c[k]! * f * (1 - f);
    dgates[2 * n + k] = dct * i * (1 - g * g);
    dgates[3 * n + k] = dhk * tc * o * (1 - o);
  }
}

function cellShapes(inputs: Record<string, unknown>): { xp: TensorInfo; uh: TensorInfo; c: TensorInfo; n: number } {
  const xp = inputs["xp"] as TensorInfo;
  const uh = inputs["uh"] as TensorInfo;
  const c = inputs["c"] as TensorInfo;
  const n = util.sizeFromShape(c.shape);
  if (c.shape.length !== 2 || util.sizeFromShape(xp.shape) !== 4 * n || util.sizeFromShape(uh.shape) !== 4 * n || xp.shape[0] !== 4 * c.shape[0]!) {
    throw new Error(`${LstmCell}: expected xp and uh [4H, B] and c [H, B]; got [${xp.shape}], [${uh.shape}], [${c.shape}]`);
  }
  return { xp, uh, c, n };
}

/** LstmCellGrad's attr `output`: 0 = dgates [4H, B] (for xp and uh), 1 = dc [H, B]. */
function gradShapes(
  inputs: Record<string, unknown>,
  attrs: Record<string, unknown> | undefined,
): { acts: TensorInfo; c: TensorInfo; dh: TensorInfo; dc: TensorInfo | undefined; n: number; gates: boolean } {
  const acts = inputs["acts"] as TensorInfo;
  const c = inputs["c"] as TensorInfo;
  const dh = inputs["dh"] as TensorInfo;
  const dc = inputs["dc"] as TensorInfo | undefined;
  const n = util.sizeFromShape(c.shape);
  if (util.sizeFromShape(acts.shape) !== 5 * n || util.sizeFromShape(dh.shape) !== n || (dc && util.sizeFromShape(dc.shape) !== n)) {
    throw new Error(`${LstmCellGrad}: expected acts [5H, B], c, dh and dc [H, B]; got [${acts.shape}], [${c.shape}], [${dh.shape}], [${dc?.shape}]`);
  }
  return { acts, c, dh, dc, n, gates: (attrs as { output?: number } | undefined)?.output !== 1 };
}

const wasmCell: KernelFunc = ({ inputs, backend }) => {
  const { xp, uh, c, n } = cellShapes(inputs);
  const wasm = backend as WasmBackendInternals;
  const [H, B] = c.shape as [number, number];
  const h = wasm.makeOutput([H, B], "float32"); // all outputs before the views: may grow the heap
  const cNext = wasm.makeOutput([H, B], "float32");
  const acts = wasm.makeOutput([5 * H, B], "float32");
  const view = (t: TensorInfo) => wasm.typedArrayFromHeap(t);
  lstmCellInto({ xp: view(xp), uh: view(uh), c: view(c), h: view(h), cNext: view(cNext), acts: view(acts) }, n);
  return [h, cNext, acts];
};

const wasmCellGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, c, dh, dc, n, gates } = gradShapes(inputs, attrs);
  const wasm = backend as WasmBackendInternals;
  const [H, B] = c.shape as [number, number];
  const out = wasm.makeOutput(gates ? [4 * H, B] : [H, B], "float32"); // before the views
  const view = (t: TensorInfo) => wasm.typedArrayFromHeap(t);
  lstmCellGradInto({ acts: view(acts), c: view(c), dh: view(dh), dcNext: dc && view(dc), ...(gates ? { dgates: view(out) } : { dc: view(out) }) }, n);
  return out;
};

const cpuCell: KernelFunc = ({ inputs, backend }) => {
  const { xp, uh, c, n } = cellShapes(inputs);
  const cpu = backend as CpuBackendInternals;
  const [H, B] = c.shape as [number, number];
  const h = new Float32Array(n);
  const cNext = new Float32Array(n);
  const acts = new Float32Array(5 * n);
  lstmCellInto({ xp: cpu.readSync(xp.dataId), uh: cpu.readSync(uh.dataId), c: cpu.readSync(c.dataId), h, cNext, acts }, n);
  return [cpu.makeTensorInfo([H, B], "float32", h), cpu.makeTensorInfo([H, B], "float32", cNext), cpu.makeTensorInfo([5 * H, B], "float32", acts)];
};

const cpuCellGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, c, dh, dc, n, gates } = gradShapes(inputs, attrs);
  const cpu = backend as CpuBackendInternals;
  const [H, B] = c.shape as [number, number];
  const out = new Float32Array(gates ? 4 * n : n);
  const read = (t: TensorInfo) => cpu.readSync(t.dataId);
  lstmCellGradInto({ acts: read(acts), c: read(c), dh: read(dh), dcNext: dc && read(dc), ...(gates ? { dgates: out } : { dc: out }) }, n);
  return cpu.makeTensorInfo(gates ? [4 * H, B] : [H, B], "float32", out);
};

export const wasmLstmCellOverrides: readonly KernelOverride[] = [
  { kernelName: LstmCell, build: () => wasmCell },
  { kernelName: LstmCellGrad, build: () => wasmCellGrad },
];
export const cpuLstmCellOverrides: readonly KernelOverride[] = [
  { kernelName: LstmCell, build: () => cpuCell },
  { kernelName: LstmCellGrad, build: () => cpuCellGrad },
];
