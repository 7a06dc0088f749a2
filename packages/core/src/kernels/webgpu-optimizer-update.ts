// The optimizer passes on webgpu, in WGSL, under the wasm kernels' contract (optimizer-update.ts;
// train/optimizers.ts calls them where they are registered):
//   SumOfSquares  sum(x^2) as a float32 scalar: a tree reduction in workgroup memory, one dispatch
//                 for up to PER_WORKGROUP elements; beyond, one partial sum per workgroup, then one
//                 workgroup adds the partials (two dispatches, in a fixed order: deterministic)
//   Axpy          out = x + alpha y, one dispatch (an SGD step with the clip factor in alpha)
//   AdamUpdate    torch.optim.Adam with the gradient times `scale` first, three dispatches: m', v',
//                 then p' from them. A tfjs-backend-webgpu program writes a single output buffer
//                 (its inputs are bound read-only), and Adam has three; as tfjs ops it is ten.
// With the input `normSq` (the squared global norm, never read back) every thread of Axpy and of
// Adam's moment passes computes the clip factor min(maxNorm / (sqrt(normSq) + 1e-6), 1) itself:
// one load and a sqrt per thread, no extra dispatch, and no host read inside a training step.
// The step's constants travel as uniforms, so one pipeline serves every step and learning rate.
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { AdamUpdate, Axpy, CLIP_EPS, clipInput, float32, sameShapes, SumOfSquares, type AdamAttrs, type AxpyAttrs } from "./optimizer-update.js";
import type { KernelOverride } from "./registry.js";
import { gpuOf, program, type WebgpuProgram } from "./webgpu-program.js";

/** Threads of a reduction workgroup (a power of two: the tree halves it). */
const THREADS = 256;
/** Elements one workgroup reduces before a second dispatch pays off. */
const PER_WORKGROUP = THREADS * 16;
/** At most this many partial sums: the second dispatch is one workgroup. */
const MAX_WORKGROUPS = 512;

/**
 * sum over `x` of f(x) (square or identity), one partial per workgroup of the dispatch: each
 * thread strides over the input by the whole dispatch's threads, then the workgroup's tree.
 */
function reduction(name: string, square: boolean, workgroups: number): WebgpuProgram {
  return {
    variableNames: ["x"],
    outputShape: workgroups === 1 ? [] : [workgroups],
    shaderKey: `unroll_${name}`,
    dispatchLayout: { x: [0] },
    dispatch: [workgroups, 1, 1],
    workgroupSize: [THREADS, 1, 1],
    size: false, // no flat index: each workgroup writes its own partial
    // barriers sit in uniform control flow: every thread reaches them
    getUserCode: () => `
      var<workgroup> buf : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let tid = i32(localId.x);
        let group = i32(workgroupId.x);
        let stride = i32(numWorkgroups.x) * ${THREADS};
        let n = uniforms.xShape;
        var s = 0.0;
        for (var i = group * ${THREADS} + tid; i < n; i += stride) {
          let v = x[i];
          s += ${square ? "v * v" : "v"};
        }
        buf[tid] = s;
        workgroupBarrier();
        for (var k = ${THREADS / 2}; k > 0; k = k >> 1u) {
          if (tid < k) { buf[tid] = buf[tid] + buf[tid + k]; }
          workgroupBarrier();
        }
        if (tid == 0) { result[group] = buf[0]; }
      }`,
  };
}

/** The same buffer, flat: the programs index it as one array. */
const flat = (t: TensorInfo): TensorInfo => ({ ...t, shape: [util.sizeFromShape(t.shape)] });

const sumOfSquares: KernelFunc = ({ inputs, backend }) => {
  const x = inputs["x"] as TensorInfo;
  float32(SumOfSquares, x);
  const gpu = gpuOf(backend);
  const n = util.sizeFromShape(x.shape);
  const workgroups = Math.min(MAX_WORKGROUPS, Math.max(1, Math.ceil(n / PER_WORKGROUP)));
  const partials = gpu.runWebGPUProgram(reduction("sum_of_squares", true, workgroups), [flat(x)], "float32"); // [workgroups], or [] when 1
  if (workgroups === 1) return partials;
  const total = gpu.runWebGPUProgram(reduction("sum_partials", false, 1), [partials], "float32"); // []
  gpu.disposeData(partials.dataId);
  return total;
};

const f32 = (v: number) => ({ type: "float32" as const, data: [v] });

/** WGSL: the clip factor from the bound scalar `normSq` and the uniform `maxNorm` (clipFactor in optimizer-update.ts). */
const CLIP = `min(uniforms.maxNorm / (sqrt(normSq[0]) + ${CLIP_EPS}), 1.0)`;

const axpy: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs["x"] as TensorInfo;
  const y = inputs["y"] as TensorInfo;
  const normSq = inputs["normSq"] as TensorInfo | undefined;
  float32(Axpy, x, y);
  sameShapes(Axpy, "x and y", [x, y]);
  const { alpha, maxNorm } = attrs as unknown as AxpyAttrs;
  clipInput(Axpy, normSq, maxNorm);
  const gpu = gpuOf(backend);
  const n = util.sizeFromShape(x.shape);
  const step = normSq
    ? program("axpy_clip", ["x", "y", "normSq"], [n], `result[index] = x[index] + uniforms.alpha * ${CLIP} * y[index];`, "alpha : f32, maxNorm : f32,")
    : program("axpy", ["x", "y"], [n], "result[index] = x[index] + uniforms.alpha * y[index];", "alpha : f32,");
  const out = normSq
    ? gpu.runWebGPUProgram(step, [flat(x), flat(y), normSq], "float32", [f32(alpha), f32(maxNorm!)])
    : gpu.runWebGPUProgram(step, [flat(x), flat(y)], "float32", [f32(alpha)]);
  return { ...out, shape: x.shape };
};

// Adam's three passes, elementwise over n (uniforms: gScale = scale, the betas, lrC1 = lr / c1,
// invC2 = 1 / c2, eps, maxNorm). The moment passes bind `normSq` when clip is on.
const ADAM_UNIFORMS = "gScale : f32, beta1 : f32, beta2 : f32, lrC1 : f32, invC2 : f32, eps : f32, maxNorm : f32,";
const scaledGradient = (clip: boolean) => `let gi = g[index] * uniforms.gScale${clip ? ` * ${CLIP}` : ""};`;
const firstMoment = (n: number, clip: boolean) =>
  program(
    clip ? "adam_m_clip" : "adam_m",
    clip ? ["g", "m", "normSq"] : ["g", "m"],
    [n],
    `${scaledGradient(clip)} result[index] = uniforms.beta1 * m[index] + (1.0 - uniforms.beta1) * gi;`,
    ADAM_UNIFORMS,
  );
const secondMoment = (n: number, clip: boolean) =>
  program(
    clip ? "adam_v_clip" : "adam_v",
    clip ? ["g", "v", "normSq"] : ["g", "v"],
    [n],
    `${scaledGradient(clip)} result[index] = uniforms.beta2 * v[index] + (1.0 - uniforms.beta2) * gi * gi;`,
    ADAM_UNIFORMS,
  );
// p <- p - (lr / c1) m' / (sqrt(v' / c2) + eps)
const parameter = (n: number) =>
  program(
    "adam_p",
    ["p", "m", "v"],
    [n],
    "result[index] = p[index] - (uniforms.lrC1 * m[index]) / (sqrt(v[index] * uniforms.invC2) + uniforms.eps);",
    ADAM_UNIFORMS,
  );

/** p, g, m, v -> p', m', v' */
const adamUpdate: KernelFunc = ({ inputs, backend, attrs }) => {
  const { p, g, m, v, normSq } = inputs as Record<string, TensorInfo | undefined>;
  float32(AdamUpdate, p!, g!, m!, v!);
  sameShapes(AdamUpdate, "p, g, m and v", [p!, g!, m!, v!]);
  const { scale, lr, beta1, beta2, eps, c1, c2, maxNorm } = attrs as unknown as AdamAttrs;
  clipInput(AdamUpdate, normSq, maxNorm);
  const uniforms = [scale, beta1, beta2, lr / c1, 1 / c2, eps, maxNorm ?? 0].map(f32);
  const gpu = gpuOf(backend);
  const n = util.sizeFromShape(p!.shape);
  const clip = normSq ? [normSq] : [];
  const mNext = gpu.runWebGPUProgram(firstMoment(n, !!normSq), [flat(g!), flat(m!), ...clip], "float32", uniforms);
  const vNext = gpu.runWebGPUProgram(secondMoment(n, !!normSq), [flat(g!), flat(v!), ...clip], "float32", uniforms);
  const pNext = gpu.runWebGPUProgram(parameter(n), [flat(p!), mNext, vNext], "float32", uniforms);
  return [pNext, mNext, vNext].map((t) => ({ ...t, shape: p!.shape }));
};

export const webgpuOptimizerUpdateOverrides: readonly KernelOverride[] = [
  { kernelName: SumOfSquares, build: () => sumOfSquares },
  { kernelName: Axpy, build: () => axpy },
  { kernelName: AdamUpdate, build: () => adamUpdate },
];
