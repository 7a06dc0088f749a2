// Softmax cross-entropy forward and backward on webgpu, in WGSL: the first of issue 14's fused
// GPU kernels. The same contract as the wasm kernels (softmax-ce.ts, softmax-ce-grad.ts):
//   forward  p = softmax(z) [N, V] and nll_i = logsumexp(z_i) - z_i[y_i] [N]
//   backward g[i, :] = p[i, :] c_i, then g[i, y_i] -= c_i    (c_i = dloss/dnll_i)
// As stock tfjs ops the forward is Softmax, Max, Log, Max, Sub, Gather, Sub (seven dispatches
// and their buffers); here it is three: the row's logsumexp (one workgroup per row, a tree
// reduction in workgroup memory, as tfjs's own SoftmaxProgram does), p, and nll. The backward is
// one elementwise pass instead of Mul, ScatterNd and Sub. A target outside [0, V) (padding) picks
// nothing: nll_i = logsumexp(z_i), and no one-hot is subtracted.
//
// Programs in tfjs-backend-webgpu's WebGPUProgram shape (webgpu-program.ts).
import { util } from "@tensorflow/tfjs-core";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";
import { SoftmaxCrossEntropy } from "./softmax-ce.js";
import { SoftmaxCrossEntropyGrad } from "./softmax-ce-grad.js";
import { gpuOf, program, type WebgpuProgram } from "./webgpu-program.js";

/** Elementwise over `outputShape`, one invocation per element, in workgroups of 128. */
const elementwise = (name: string, variableNames: string[], outputShape: number[], body: string) =>
  program(name, variableNames, outputShape, body, undefined, 128);

/** lse_i = max_j z_ij + log sum_j exp(z_ij - max): one workgroup of `threads` per row. */
function rowLogSumExp(n: number, v: number): WebgpuProgram {
  const threads = v >= 4096 ? 256 : 64; // a power of two: the tree below halves it
  return {
    variableNames: ["logits"],
    outputShape: [n],
    shaderKey: `unroll_row_logsumexp_${threads}`,
    dispatchLayout: { x: [0] },
    dispatch: [n, 1, 1],
    workgroupSize: [threads, 1, 1],
    size: false, // one workgroup per row: no flat index to bound
    // barriers must sit in uniform control flow: no early return; rows past the end compute nothing
    getUserCode: () => `
      var<workgroup> buf : array<f32, ${threads}>;
      fn main(index : i32) {
        let row = i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x);
        let tid = i32(localId.x);
        let rows = uniforms.logitsShape[0];
        let cols = uniforms.logitsShape[1];
        let live = row < rows;
        let base = row * cols;
        var m = -3.402823e+38f;
        if (live) {
          for (var c = tid; c < cols; c += ${threads}) { m = max(m, logits[base + c]); }
        }
        buf[tid] = m;
        workgroupBarrier();
        for (var s = ${threads / 2}; s > 0; s = s >> 1u) {
          if (tid < s) { buf[tid] = max(buf[tid], buf[tid + s]); }
          workgroupBarrier();
        }
        let rowMax = buf[0];
        workgroupBarrier();
        var sum = 0.0;
        if (live) {
          for (var c = tid; c < cols; c += ${threads}) { sum += exp(logits[base + c] - rowMax); }
        }
        buf[tid] = sum;
        workgroupBarrier();
        for (var s = ${threads / 2}; s > 0; s = s >> 1u) {
          if (tid < s) { buf[tid] = buf[tid] + buf[tid + s]; }
          workgroupBarrier();
        }
        if (live && tid == 0) { result[row] = rowMax + log(buf[0]); }
      }`,
  };
}

function shapes(logits: TensorInfo, targets: TensorInfo): [number, number] {
  const [n, v] = logits.shape as [number, number];
  if (logits.shape.length !== 2 || logits.dtype !== "float32" || targets.dtype !== "int32" || util.sizeFromShape(targets.shape) !== n) {
    throw new Error(
      `${SoftmaxCrossEntropy}: expected float32 logits [n, v] and int32 targets [n]; got ${logits.dtype} [${logits.shape}], ${targets.dtype} [${targets.shape}]`,
    );
  }
  return [n, v];
}

const forward: KernelFunc = ({ inputs, backend }): TensorInfo[] => {
  const logits = inputs["logits"] as TensorInfo;
  const targets = inputs["targets"] as TensorInfo;
  const [n, v] = shapes(logits, targets);
  const gpu = gpuOf(backend);
  const lse = gpu.runWebGPUProgram(rowLogSumExp(n, v), [logits], "float32"); // [N]
  const p = gpu.runWebGPUProgram(
    elementwise("softmax_from_lse", ["logits", "lse"], [n, v], "result[index] = exp(logits[index] - lse[index / uniforms.logitsShape[1]]);"),
    [logits, lse],
    "float32",
  ); // [N, V]
  const nll = gpu.runWebGPUProgram(
    elementwise(
      "nll_from_lse",
      ["logits", "lse", "targets"],
      [n],
      `let cols = uniforms.logitsShape[1];
          let y = targets[index];
          var picked = 0.0;
          if (y >= 0 && y < cols) { picked = logits[index * cols + y]; }
          result[index] = lse[index] - picked;`,
    ),
    [logits, lse, targets],
    "float32",
  ); // [N]
  gpu.disposeData(lse.dataId);
  return [p, nll];
};

const backward: KernelFunc = ({ inputs, backend }): TensorInfo => {
  const probs = inputs["probs"] as TensorInfo;
  const coef = inputs["coef"] as TensorInfo;
  const targets = inputs["targets"] as TensorInfo;
  const [n] = probs.shape as [number, number];
  if (probs.shape.length !== 2 || util.sizeFromShape(coef.shape) !== n || util.sizeFromShape(targets.shape) !== n || targets.dtype !== "int32") {
    throw new Error(
      `${SoftmaxCrossEntropyGrad}: expected probs [n, v], coef [n], int32 targets [n]; got [${probs.shape}], [${coef.shape}], ${targets.dtype} [${targets.shape}]`,
    );
  }
  const program = elementwise(
    "softmax_xent_grad",
    ["probs", "coef", "targets"],
    probs.shape,
    `let cols = uniforms.probsShape[1];
          let row = index / cols;
          let c = coef[row];
          var g = probs[index] * c;
          if (index - row * cols == targets[row]) { g = g - c; }
          result[index] = g;`,
  );
  return gpuOf(backend).runWebGPUProgram(program, [probs, coef, targets], "float32");
};

export const webgpuSoftmaxCrossEntropyOverrides: readonly KernelOverride[] = [
  { kernelName: SoftmaxCrossEntropy, build: () => forward },
  { kernelName: SoftmaxCrossEntropyGrad, build: () => backward },
];
