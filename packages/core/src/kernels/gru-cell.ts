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

/** xp, hp: [3H, B]; h: [H, B] -> hNext [H, B]; acts [4H, B] = r, z, n, hn. */
export function gruCellInto(xp: HeapArray, hp: HeapArray, h: HeapArray, n: number, hNext: HeapArray, acts: HeapArray): void {
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

/** output 0: dxp [3H, B]; 1: dhp [3H, B]; 2: dh [H, B] (the direct path z * dh'). */
export function gruCellGradInto(acts: HeapArray, h: HeapArray, dh: HeapArray, n: number, output: number, out: HeapArray): void {
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
  gruCellInto(v(xp), v(hp), v(h), n, v(hNext), v(acts));
  return [hNext, acts];
};

const wasmCellGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, h, dh } = inputs as { acts: TensorInfo; h: TensorInfo; dh: TensorInfo };
  const output = (attrs as { output: number }).output;
  const wasm = backend as WasmBackendInternals;
  const out = wasm.makeOutput(outShape(h, output), "float32");
  const v = (t: TensorInfo) => wasm.typedArrayFromHeap(t);
  gruCellGradInto(v(acts), v(h), v(dh), util.sizeFromShape(h.shape), output, v(out));
  return out;
};

const cpuCell: KernelFunc = ({ inputs, backend }) => {
  const { xp, hp, h } = inputs as { xp: TensorInfo; hp: TensorInfo; h: TensorInfo };
  const n = check(xp, hp, h);
  const cpu = backend as CpuBackendInternals;
  const hNext = new Float32Array(n);
  const acts = new Float32Array(4 * n);
  gruCellInto(cpu.readSync(xp.dataId), cpu.readSync(hp.dataId), cpu.readSync(h.dataId), n, hNext, acts);
  return [cpu.makeTensorInfo(h.shape, "float32", hNext), cpu.makeTensorInfo([4 * h.shape[0]!, h.shape[1]!], "float32", acts)];
};

const cpuCellGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { acts, h, dh } = inputs as { acts: TensorInfo; h: TensorInfo; dh: TensorInfo };
  const output = (attrs as { output: number }).output;
  const cpu = backend as CpuBackendInternals;
  const shape = outShape(h, output);
  const out = new Float32Array(util.sizeFromShape(shape));
  gruCellGradInto(cpu.readSync(acts.dataId), cpu.readSync(h.dataId), cpu.readSync(dh.dataId), util.sizeFromShape(h.shape), output, out);
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
