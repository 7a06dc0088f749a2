// The pointwise part of a GRU step, forward and backward, as one kernel each (feature-major, gate
// order r, z, n as in PyTorch; see cells/gru.ts). hp = U h_{t-1} + b_h (b_hn stays inside r * ...):
//   forward:  r = s(xr + hr), z = s(xz + hz), n = tanh(xn + r hn),  h' = (1 - z) n + z h
//   backward: dn~ = dh' (1 - z)(1 - n^2), dz~ = dh' (h - n) z(1 - z), dr~ = dn~ hn r(1 - r)
//             dxp = [dr~, dz~, dn~],  dhp = [dr~, dz~, dn~ r],  dh = dh' z
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import type { CpuBackendInternals, HeapArray, WasmBackendInternals } from "./wasm-internals.js";

export const GruCell = "UnrollGruCell";
export const GruCellGrad = "UnrollGruCellGrad";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One step's inputs and outputs, feature-major, n = H * B: the forward kernel's arguments. */
export interface GruCellArrays {
  xp: HeapArray; // [3H, B] W x_t + b_i, gate blocks r, z, n
  hp: HeapArray; // [3H, B] U h_{t-1} + b_h
  h: HeapArray; // [H, B] h_{t-1}
  hNext: HeapArray; // [H, B] out: h_t
  acts: HeapArray; // [4H, B] out: r, z, n, hn, for the gradient
}

export function gruCellInto({ xp, hp, h, hNext, acts }: GruCellArrays, n: number): void {
  for (let k = 0; k < n; k++) {
    const r = sigmoid(xp[k]! + hp[k]!);
    const z = sigmoid(xp[n + k]! + hp[n + k]!);
    const hn = hp[2 * n + k]!;
    const c = Math.tanh(xp[2 * n + k]! + r * hn);
    hNext[k] = (1 - z) * c + z * h[k]!;
    acts[k] = r;
    acts[n + k] = z;
    acts[2 * n + k] = c;
    acts[3 * n + k] = hn;
  }
}

/** The gradient kernel's arguments (n = H * B); `output` picks which gradient `out` receives. */
export interface GruCellGradArrays {
  acts: HeapArray; // [4H, B] saved by the forward kernel
  h: HeapArray; // [H, B] h_{t-1}
  dh: HeapArray; // [H, B] dloss/dh_t
  output: number; // 0: dxp [3H, B]; 1: dhp [3H, B]; 2: dh_{t-1} [H, B] (the direct path z * dh')
  out: HeapArray;
}

export function gruCellGradInto({ acts, h, dh, output, out }: GruCellGradArrays, n: number): void {
  for (let k = 0; k < n; k++) {
    const r = acts[k]!;
    const z = acts[n + k]!;
    const c = acts[2 * n + k]!;
    const hn = acts[3 * n + k]!;
    const d = dh[k]!;
    if (output === 2) {
      out[k] = d * z;
      continue;
    }
    const dn = d * (1 - z) * (1 - c * c);
    out[k] = dn * hn * r * (1 - r);
    out[n + k] = d * (h[k]! - c) * z * (1 - z);
    out[2 * n + k] = output === 0 ? dn : dn * r;
  }
}

function check(xp: TensorInfo, hp: TensorInfo, h: TensorInfo): number {
  const n = util.sizeFromShape(h.shape);
  if (h.shape.length !== 2 || util.sizeFromShape(xp.shape) !== 3 * n || util.sizeFromShape(hp.shape) !== 3 * n || xp.shape[0] !== 3 * h.shape[0]!) {
    throw new Error(`${GruCell}: expected xp and hp [3H, B] and h [H, B]; got [${xp.shape}], [${hp.shape}], [${h.shape}]`);
  }
  return n;
}

const outShape = (h: TensorInfo, output: number) => (output === 2 ? h.shape : [3 * h.shape[0]!, h.shape[1]!]);

const wasmCell: KernelFunc = ({ inputs, backend }) => {
  const { xp, hp, h } = inputs as { xp: TensorInfo; hp: TensorInfo; h: TensorInfo };
  const n = check(xp, hp, h);
  const wasm = backend as WasmBackendInternals;
  const hNext = wasm.makeOutput(h.shape, "float32"); // outputs before the views: may grow the heap
  const acts = wasm.makeOutput([4 * h.shape[0]!, h.shape[1]!], "float32");
  const v = (t: TensorInfo) => wasm.typedArrayFromHeap(t);
  gruCellInto({ xp: v(xp), hp: v(hp), h: v(h), hNext: v(hNext), acts: v(acts) }, n);
  return [hNext, acts];
};

const wasmCellGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, h, dh } = inputs as { acts: TensorInfo; h: TensorInfo; dh: TensorInfo };
  const output = (attrs as { output: number }).output;
  const wasm = backend as WasmBackendInternals;
  const out = wasm.makeOutput(outShape(h, output), "float32");
  const v = (t: TensorInfo) => wasm.typedArrayFromHeap(t);
  gruCellGradInto({ acts: v(acts), h: v(h), dh: v(dh), output, out: v(out) }, util.sizeFromShape(h.shape));
  return out;
};

const cpuCell: KernelFunc = ({ inputs, backend }) => {
  const { xp, hp, h } = inputs as { xp: TensorInfo; hp: TensorInfo; h: TensorInfo };
  const n = check(xp, hp, h);
  const cpu = backend as CpuBackendInternals;
  const hNext = new Float32Array(n);
  const acts = new Float32Array(4 * n);
  gruCellInto({ xp: cpu.readSync(xp.dataId), hp: cpu.readSync(hp.dataId), h: cpu.readSync(h.dataId), hNext, acts }, n);
  return [cpu.makeTensorInfo(h.shape, "float32", hNext), cpu.makeTensorInfo([4 * h.shape[0]!, h.shape[1]!], "float32", acts)];
};

const cpuCellGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, h, dh } = inputs as { acts: TensorInfo; h: TensorInfo; dh: TensorInfo };
  const output = (attrs as { output: number }).output;
  const cpu = backend as CpuBackendInternals;
  const shape = outShape(h, output);
  const out = new Float32Array(util.sizeFromShape(shape));
  gruCellGradInto({ acts: cpu.readSync(acts.dataId), h: cpu.readSync(h.dataId), dh: cpu.readSync(dh.dataId), output, out }, util.sizeFromShape(h.shape));
  return cpu.makeTensorInfo(shape, "float32", out);
};

export const wasmGruCellOverrides: readonly KernelOverride[] = [
  { kernelName: GruCell, build: () => wasmCell },
  { kernelName: GruCellGrad, build: () => wasmCellGrad },
];
export const cpuGruCellOverrides: readonly KernelOverride[] = [
  { kernelName: GruCell, build: () => cpuCell },
  { kernelName: GruCellGrad, build: () => cpuCellGrad },
];
