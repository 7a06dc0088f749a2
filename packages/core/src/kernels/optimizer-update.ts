// The passes of an optimizer step over every parameter (4.6M floats in the reference LM): sum of
// squares over any number of tensors (for the global gradient norm), out = p + alpha g (an SGD step with the clip factor
// folded into alpha), and Adam's whole update (moments and parameter in one pass). Axpy and
// AdamUpdate take the clip factor either as a number (in alpha, or Adam's `scale`) or as the
// squared global norm, an optional scalar input `normSq` with attribute `maxNorm`, from which
// the kernel computes torch's factor clipFactor(sqrt(normSq), maxNorm) itself: a device backend
// then never reads the norm back inside a step (train/optimizers.ts clipScale). As tfjs ops a
// clipped SGD step is Square + Sum + AddN, then Mul (clip) + Mul (lr) + Sub: five passes and four
// temporaries per parameter (~15 ms a step on wasm); Adam is ten ops per parameter. Here one pass
// each, on the native addon's OpenMP threads when it is active, else a loop over the wasm heap.
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { activeNativeBlas, type NativeBlas } from "./native-blas.js";
import type { KernelOverride } from "./registry.js";
import { heapOffset, type WasmBackendInternals } from "./wasm-internals.js";

export const SumOfSquares = "UnrollSumOfSquares";
export const Axpy = "UnrollAxpy";
export const AdamUpdate = "UnrollAdamUpdate";

/** torch's clip_grad_norm_ adds this to the norm before dividing by it. */
export const CLIP_EPS = 1e-6;

/** torch's clip_grad_norm_ factor from the global norm: min(maxNorm / (norm + 1e-6), 1). */
export const clipFactor = (norm: number, maxNorm: number) => Math.min(maxNorm / (norm + CLIP_EPS), 1);

/** AdamUpdate's attributes: the step's constants (c1, c2: the bias corrections 1 - beta^t). */
export interface AdamAttrs {
  /** Multiplies the gradient first; with the input `normSq`, times clipFactor(sqrt(normSq), maxNorm). */
  scale: number;
  /** With the input `normSq` only: the clip norm. */
  maxNorm?: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  c1: number;
  c2: number;
}

/** The optimizer kernels' inputs (wasm's and webgpu's): float32 only. */
export const float32 = (kernel: string, ...ts: TensorInfo[]) => {
  if (ts.some((t) => t.dtype !== "float32")) throw new Error(`${kernel}: expected float32 tensors; got ${ts.map((t) => t.dtype).join(", ")}`);
};

/** ...and of one shape (`names` says which, for the message). */
export const sameShapes = (kernel: string, names: string, ts: TensorInfo[]) => {
  if (ts.some((t) => !util.arraysEqual(t.shape, ts[0]!.shape)))
    throw new Error(`${kernel}: ${names} must have one shape; got ${ts.map((t) => `[${t.shape}]`).join(", ")}`);
};

/** sum over every input of sum(x^2) (train/optimizers.ts: the clip norm of all gradients in one call). */
const sumOfSquares: KernelFunc = ({ inputs, backend }) => {
  const xs = Object.values(inputs) as TensorInfo[];
  if (xs.length === 0) throw new Error(`${SumOfSquares}: expected at least one input`);
  float32(SumOfSquares, ...xs);
  const wasm = backend as WasmBackendInternals;
  const out = wasm.makeOutput([], "float32");
  const blas = activeNativeBlas();
  let s = 0;
  for (const x of xs) {
    const n = util.sizeFromShape(x.shape);
    if (blas) s += blas.sumSquares(wasm.wasm.HEAPU8, heapOffset(wasm, x), n);
    else {
      const v = wasm.typedArrayFromHeap(x);
      for (let i = 0; i < n; i++) s += v[i]! * v[i]!;
    }
  }
  wasm.typedArrayFromHeap(out)[0] = s;
  return out;
};

/** Axpy's attributes: out = x + alpha c y, c = clipFactor(sqrt(normSq), maxNorm) with the input `normSq`, else 1. */
export interface AxpyAttrs {
  alpha: number;
  maxNorm?: number;
}

/** The optional input `normSq`: a float32 scalar, and `maxNorm` positive with it. */
export const clipInput = (kernel: string, normSq: TensorInfo | undefined, maxNorm: number | undefined) => {
  if (!normSq) return;
  float32(kernel, normSq);
  if (util.sizeFromShape(normSq.shape) !== 1) throw new Error(`${kernel}: normSq must be a scalar (the squared global norm); got [${normSq.shape}]`);
  if (!(maxNorm !== undefined && maxNorm > 0)) throw new Error(`${kernel}: with normSq, maxNorm must be positive; got ${maxNorm}`);
};

/** The clip factor of a wasm kernel's inputs (its tensors are on the heap: reading costs nothing). */
const heapClip = (wasm: WasmBackendInternals, normSq: TensorInfo | undefined, maxNorm: number | undefined) =>
  normSq ? clipFactor(Math.sqrt(wasm.typedArrayFromHeap(normSq)[0]!), maxNorm!) : 1;

const axpy: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as TensorInfo;
  const y = inputs["y"] as TensorInfo;
  const normSq = inputs["normSq"] as TensorInfo | undefined;
  float32(Axpy, x, y);
  sameShapes(Axpy, "x and y", [x, y]);
  const { alpha: rawAlpha, maxNorm } = attrs as unknown as AxpyAttrs;
  clipInput(Axpy, normSq, maxNorm);
  const wasm = backend as WasmBackendInternals;
  const alpha = rawAlpha * heapClip(wasm, normSq, maxNorm);
  const n = util.sizeFromShape(x.shape);
  const out = wasm.makeOutput(x.shape, "float32"); // before the views: may grow the heap
  const blas = activeNativeBlas();
  if (blas) blas.axpy(wasm.wasm.HEAPU8, heapOffset(wasm, x), heapOffset(wasm, y), n, alpha, heapOffset(wasm, out));
  else {
    const [xv, yv, ov] = [wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(y), wasm.typedArrayFromHeap(out)];
    for (let i = 0; i < n; i++) ov[i] = xv[i]! + alpha * yv[i]!;
  }
  return out;
};

/** The addon's Adam pass with named arguments; it takes heap offsets in the order of @unroll/native-blas's index.d.cts. */
function nativeAdam(
  blas: NativeBlas,
  wasm: WasmBackendInternals,
  t: Record<"p" | "g" | "m" | "v" | "pOut" | "mOut" | "vOut", TensorInfo> & { n: number },
  a: AdamAttrs,
): void {
  const at = (x: TensorInfo) => heapOffset(wasm, x);
  blas.adam(
    wasm.wasm.HEAPU8,
    at(t.p),
    at(t.g),
    at(t.m),
    at(t.v),
    t.n,
    a.scale,
    a.lr / a.c1,
    a.beta1,
    a.beta2,
    1 / a.c2,
    a.eps,
    at(t.pOut),
    at(t.mOut),
    at(t.vOut),
  );
}

/** p, g, m, v -> p', m', v' (torch.optim.Adam, the gradient times `scale` first). */
const adamUpdate: KernelFunc = ({ inputs, backend, attrs }) => {
  const { p, g, m, v, normSq } = inputs as Record<string, TensorInfo | undefined>;
  float32(AdamUpdate, p!, g!, m!, v!);
  sameShapes(AdamUpdate, "p, g, m and v", [p!, g!, m!, v!]);
  const a = attrs as unknown as AdamAttrs;
  clipInput(AdamUpdate, normSq, a.maxNorm);
  const wasm = backend as WasmBackendInternals;
  const scale = a.scale * heapClip(wasm, normSq, a.maxNorm);
  const { lr, beta1, beta2, eps, c1, c2 } = a;
  const n = util.sizeFromShape(p!.shape);
  const outs = [wasm.makeOutput(p!.shape, "float32"), wasm.makeOutput(p!.shape, "float32"), wasm.makeOutput(p!.shape, "float32")]; // before the views
  const blas = activeNativeBlas();
  if (blas) {
    nativeAdam(blas, wasm, { p: p!, g: g!, m: m!, v: v!, n, pOut: outs[0]!, mOut: outs[1]!, vOut: outs[2]! }, { ...a, scale });
  } else {
    const [pv, gv, mv, vv, po, mo, vo] = [p!, g!, m!, v!, ...outs].map((t) => wasm.typedArrayFromHeap(t!));
    for (let i = 0; i < n; i++) {
      const gi = gv![i]! * scale;
      const mi = beta1 * mv![i]! + (1 - beta1) * gi;
      const vi = beta2 * vv![i]! + (1 - beta2) * gi * gi;
      mo![i] = mi;
      vo![i] = vi;
      po![i] = pv![i]! - ((lr / c1) * mi) / (Math.sqrt(vi / c2) + eps);
    }
  }
  return outs;
};

export const wasmOptimizerUpdateOverrides: readonly KernelOverride[] = [
  { kernelName: SumOfSquares, build: () => sumOfSquares },
  { kernelName: Axpy, build: () => axpy },
  { kernelName: AdamUpdate, build: () => adamUpdate },
];
