// The optimizer passes on webgpu, in WGSL, under the wasm kernels' contract (optimizer-update.ts;
// train/optimizers.ts calls them where they are registered):
//   SumOfSquares  sum over every input of sum(x^2) as a float32 scalar: tree reductions in
//                 workgroup memory, each input's share of a dispatch's workgroups (one per
//                 PER_WORKGROUP elements, at most MAX_WORKGROUPS) leaving partial sums, as many
//                 inputs per dispatch as a shader may bind; then one workgroup adds the partials
//                 (in a fixed order: deterministic). One input of up to PER_WORKGROUP elements: one
//                 dispatch; the reference LM's 11 gradients: 3
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
import { addNInputsPerShader } from "./add-n.js";
import type { KernelOverride } from "./registry.js";
import { gpuOf, program, type WebgpuProgram } from "./webgpu-program.js";

/** Threads of a reduction workgroup (a power of two: the tree halves it). */
const THREADS = 256;
/** Elements one workgroup reduces before a second dispatch pays off. */
const PER_WORKGROUP = THREADS * 16;
/** At most this many partial sums: the second dispatch is one workgroup. */
const MAX_WORKGROUPS = 512;

/** The input names of a program over m tensors: x0 .. x{m-1}. */
const names = (m: number) => Array.from({ length: m }, (_, j) => `x${j}`);

/**
 * sum of x^2 over each of m inputs, one partial per workgroup: input j
 * gets the workgroups from uniforms.start{j} (start0 = 0) to the next start, whose threads stride
 * over it, then each workgroup's tree. The starts travel as uniforms, so one pipeline serves every
 * m inputs whatever their sizes.
 */
function partialSums(m: number, workgroups: number): WebgpuProgram {
  const starts = `array<i32, ${m + 1}>(0, ${names(m)
    .slice(1)
    .map((_, j) => `uniforms.start${j + 1}, `)
    .join("")}i32(numWorkgroups.x))`;
  const cases = names(m)
    .map(
      (x, j) => `
          case ${j}: {
            for (var i = local * ${THREADS} + tid; i < uniforms.${x}Shape; i += w * ${THREADS}) {
              let v = ${x}[i];
              s += v * v;
            }
          }`,
    )
    .join("");
  return {
    variableNames: names(m),
    outputShape: workgroups === 1 ? [] : [workgroups],
    shaderKey: "unroll_sum_of_squares",
    dispatchLayout: { x: [0] },
    dispatch: [workgroups, 1, 1],
    workgroupSize: [THREADS, 1, 1],
    size: false, // no flat index: each workgroup writes its own partial
    uniforms: names(m)
      .slice(1)
      .map((_, j) => `start${j + 1} : i32,`)
      .join(" "),
    // barriers sit in uniform control flow: every thread reaches them
    getUserCode: () => `
      var<workgroup> buf : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let tid = i32(localId.x);
        let g = i32(workgroupId.x);
        var starts = ${starts};
        var which = 0;
        for (var j = 1; j < ${m}; j++) { if (g >= starts[j]) { which = j; } }
        let local = g - starts[which];
        let w = starts[which + 1] - starts[which];
        var s = 0.0;
        switch (which) {${cases}
          default: {}
        }
        buf[tid] = s;
        workgroupBarrier();
        for (var k = ${THREADS / 2}; k > 0; k = k >> 1u) {
          if (tid < k) { buf[tid] = buf[tid] + buf[tid + k]; }
          workgroupBarrier();
        }
        if (tid == 0) { result[g] = buf[0]; }
      }`,
  };
}

/** One workgroup that adds every element of m inputs (the partial sums), in a fixed order: a scalar. */
function total(m: number): WebgpuProgram {
  const loops = names(m)
    .map((x) => `for (var i = tid; i < uniforms.${x}Shape; i += ${THREADS}) { s += ${x}[i]; }`)
    .join("\n        ");
  return {
    variableNames: names(m),
    outputShape: [],
    shaderKey: "unroll_sum_partials",
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [THREADS, 1, 1],
    size: false,
    getUserCode: () => `
      var<workgroup> buf : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let tid = i32(localId.x);
        var s = 0.0;
        ${loops}
        buf[tid] = s;
        workgroupBarrier();
        for (var k = ${THREADS / 2}; k > 0; k = k >> 1u) {
          if (tid < k) { buf[tid] = buf[tid] + buf[tid + k]; }
          workgroupBarrier();
        }
        if (tid == 0) { result[0] = buf[0]; }
      }`,
  };
}

/** The same buffer, flat: the programs index it as one array. */
const flat = (t: TensorInfo): TensorInfo => ({ ...t, shape: [util.sizeFromShape(t.shape)] });

/**
 * sum over every input of sum(x^2) as a float32 scalar, in groups of inputs one shader may bind
 * (the device's storage buffer limit less the output, as AddN): a dispatch of partial sums per
 * group, then one workgroup adds all the partials (a dispatch; none when a single input fits one
 * workgroup). The reference LM's 11 gradients: 3 dispatches, where one reduction per gradient and
 * an AddN of their sums took 20.
 */
const sumOfSquares: KernelFunc = ({ inputs, backend }) => {
  const xs = Object.values(inputs) as TensorInfo[];
  if (xs.length === 0) throw new Error(`${SumOfSquares}: expected at least one input`);
  float32(SumOfSquares, ...xs);
  const gpu = gpuOf(backend);
  const perShader = addNInputsPerShader(backend);
  const squares = (group: TensorInfo[]) => {
    const counts = group.map((x) => Math.min(MAX_WORKGROUPS, Math.max(1, Math.ceil(util.sizeFromShape(x.shape) / PER_WORKGROUP))));
    const starts = counts.slice(1).map((_, j) => counts.slice(0, j + 1).reduce((a, b) => a + b, 0)); // start1 .. start{m-1}
    const uniforms = starts.map((v) => ({ type: "int32" as const, data: [v] }));
    const workgroups = counts.reduce((a, b) => a + b, 0);
    return gpu.runWebGPUProgram(partialSums(group.length, workgroups), group.map(flat), "float32", uniforms);
  };
  // each group's partials ([] when a single input fits one workgroup: that is the answer)
  let partials: TensorInfo[] = [];
  for (let i = 0; i < xs.length; i += perShader) partials.push(squares(xs.slice(i, i + perShader)));
  if (partials.length === 1 && partials[0]!.shape.length === 0) return partials[0]!;
  // add the partials, one workgroup per shader, until one scalar is left
  do {
    const next: TensorInfo[] = [];
    for (let i = 0; i < partials.length; i += perShader)
      next.push(gpu.runWebGPUProgram(total(Math.min(perShader, partials.length - i)), partials.slice(i, i + perShader).map(flat), "float32"));
    for (const p of partials) gpu.disposeData(p.dataId);
    partials = next;
  } while (partials.length > 1);
  return partials[0]!;
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
