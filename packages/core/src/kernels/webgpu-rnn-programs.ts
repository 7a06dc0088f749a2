// What the WGSL recurrent layer kernels share (webgpu-lstm-sequence.ts, webgpu-gru-sequence.ts,
// webgpu-elman-sequence.ts): programs in tfjs-backend-webgpu 4.22's WebGPUProgram shape (as
// webgpu-softmax-ce.ts), the time loop that writes one packed buffer one dispatch per step, the
// copies that unpack it, and the weight gradient dU = sum_t dz_t^T h_{t-1} as one matMul.
import { util } from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { kernelFunc } from "./registry.js";
import { gpuOf, program, type WebgpuBackendLike, type WebgpuProgram } from "./webgpu-program.js";

export { gpuOf };

/** Batch rows of a step program's workgroup: each weight it reads from U serves this many rows. */
export const ROWS = 4;
/** Adjacent threads of a step program that take adjacent j (or adjacent k): a coalesced read. */
const ADJACENT = 16;

/**
 * The recurrent product of a step: for each batch row b and column j, `outputs` sums over k < K of
 * weight(g) * value (forward: U h_{t-1}, a gate per output; backward: dz_{t+1} U, one output).
 * WGSL expressions: `weight(g)` sees k and jr (column j, clamped below H), `value` sees k and rb
 * (row b, clamped below B); `when` (uniform over the dispatch) makes the product zero unless it holds.
 * `adjacent`: what adjacent threads take, "j" where the weight's reads are contiguous in j (U read
 * as [K, H]: the backward's dz U), "k" where they are contiguous in k (U as [G H, H] rows: the
 * forward's U h, with no transposed copy of U; h_{t-1}'s reads are then contiguous too).
 */
export interface StepProduct {
  outputs: 1 | 3 | 4;
  K: string;
  weight: (g: number) => string;
  value: string;
  when?: string;
  adjacent: "j" | "k";
}

const vecOf = (n: number) => (n === 1 ? "f32" : `vec${n}<f32>`);

/**
 * A step program, one dispatch of workgroups that each take J columns j and ROWS batch rows b
 * (J = 16, or threads / 16 when adjacent threads take adjacent k). Its threads first split the
 * product's k among them (slice s of a column sums k = s, s + S, ...: S = threads / J slices) and
 * leave the partial sums in workgroup memory; after the barrier one thread per (b, j) adds the
 * slices in a fixed order (deterministic) and runs `row`, the pointwise maths, with the product in
 * `acc` (f32, or a vector over the gates). Splitting k gives an LSTM step at B = 20, H = 200
 * 16,000 threads that sum 13 k each forward and 16,640 that sum 50 backward, where a thread per
 * (j, 4 rows) was 1,000 threads summing 200 and 800. `row` sees t (the step), H, B, T, N = B T H,
 * b and j; forward programs (h0 among the inputs, hs written first in the packed buffer) also get
 * prevH(b, t, k) = h_{t-1}[b, k], from h0 at t = 0, else what step t - 1 wrote.
 */
export function stepProgram(
  name: string,
  variableNames: string[],
  { B, H }: { B: number; H: number },
  { product, row }: { product: StepProduct; row: string },
): WebgpuProgram {
  const G = product.outputs;
  const vec = vecOf(G);
  const threads = G === 1 ? 256 : 128; // partial sums in workgroup memory: at most 8 KiB
  const columns = product.adjacent === "j" ? ADJACENT : threads / ADJACENT;
  const slices = threads / columns;
  // thread l's slice and column, and where slice q of column jj left its sums
  const [sliceOf, columnOf, slot] =
    product.adjacent === "j" ? [`l / ${columns}`, `l % ${columns}`, `q * ${columns} + jj`] : [`l % ${slices}`, `l / ${slices}`, `jj * ${slices} + q`];
  const weights = G === 1 ? product.weight(0) : `${vec}(${Array.from({ length: G }, (_, g) => product.weight(g)).join(", ")})`;
  const prevH = `
      fn prevH(b : i32, t : i32, k : i32) -> f32 {
        let H = uniforms.hidden;
        if (t == 0) { return h0[b * H + k]; }
        return result[(b * uniforms.maskShape[1] + t - 1) * H + k];
      }`;
  const forward = variableNames.includes("h0") && !variableNames.includes("hs");
  // barriers sit in uniform control flow: every thread of the workgroup reaches them
  const code = `
      var<workgroup> part : array<${vec}, ${threads * ROWS}>;
      fn main(index : i32) {
        let t = uniforms.step;
        let H = uniforms.hidden;
        let B = uniforms.maskShape[0];
        let T = uniforms.maskShape[1];
        let N = B * T * H;
        let l = i32(localId.x);
        let columnBlocks = (H + ${columns - 1}) / ${columns};
        let j0 = (i32(workgroupId.x) % columnBlocks) * ${columns};
        let b0 = (i32(workgroupId.x) / columnBlocks) * ${ROWS};
        let s = ${sliceOf};
        let jr = min(j0 + ${columnOf}, H - 1);
        var p : array<${vec}, ${ROWS}>;
        if (${product.when ?? "true"}) {
          for (var k = s; k < ${product.K}; k += ${slices}) {
            let w = ${weights};
            for (var bb = 0; bb < ${ROWS}; bb++) {
              let rb = min(b0 + bb, B - 1);
              p[bb] += w * ${product.value};
            }
          }
        }
        for (var bb = 0; bb < ${ROWS}; bb++) { part[l * ${ROWS} + bb] = p[bb]; }
        workgroupBarrier();
        if (l < ${columns * ROWS}) {
          let jj = l % ${columns};
          let bb = l / ${columns};
          let j = j0 + jj;
          let b = b0 + bb;
          var acc = ${vec}(0.0);
          for (var q = 0; q < ${slices}; q++) { acc += part[(${slot}) * ${ROWS} + bb]; }
          if (b < B && j < H) {
            ${row}
          }
        }
      }`;
  return {
    variableNames,
    outputShape: [threads],
    shaderKey: `unroll_${name}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(H / columns) * Math.ceil(B / ROWS), 1, 1],
    workgroupSize: [threads, 1, 1],
    size: false,
    uniforms: "step : i32, hidden : i32,",
    getUserCode: () => (forward ? prevH : "") + code,
  };
}

/**
 * Runs `make()` (a fresh program each time: runWebGPUProgram extends its shaderKey in place) once
 * per step of `steps`, in order, all writing `packed`: step t reads what the steps before wrote
 * (WebGPU orders the dispatches of a pass). No host reads, no buffers but tfjs's uniforms.
 */
export function runSteps(
  gpu: WebgpuBackendLike,
  make: () => WebgpuProgram,
  inputs: TensorInfo[],
  packed: TensorInfo,
  { steps, H }: { steps: number[]; H: number },
): void {
  for (const t of steps)
    gpu.runWebGPUProgram(
      make(),
      inputs,
      "float32",
      [
        { type: "int32", data: [t] },
        { type: "int32", data: [H] },
      ],
      packed,
    );
}

/** 0, 1, ..., T - 1 (forward) */
export const upTo = (T: number) => Array.from({ length: T }, (_, t) => t);
/** T - 1, ..., 0, then -1 (backward: the last dispatch gathers what flows into the initial state) */
export const downFrom = (T: number) => Array.from({ length: T + 1 }, (_, k) => T - 1 - k);

/** packed[offset ..] as a new tensor of `shape`: one output of a loop's packed buffer. */
export function unpack(gpu: WebgpuBackendLike, packed: TensorInfo, shape: number[], offset: number): TensorInfo {
  const copy = program("rnn_unpack", ["packed"], shape, "result[index] = packed[uniforms.offset + index];", "offset : i32,");
  return gpu.runWebGPUProgram(copy, [packed], "float32", [{ type: "int32", data: [offset] }]);
}

/** [h_{t-1}] for every step [B, T, H]: h0 at t = 0, else hs shifted by one step. */
const previousStates = (shape: number[]) =>
  program(
    "rnn_prev_states",
    ["hs", "h0"],
    shape,
    `let H = uniforms.hsShape[2];
          let T = uniforms.hsShape[1];
          let b = index / (T * H);
          let t = (index / H) % T;
          if (t == 0) { result[index] = h0[b * H + index % H]; } else { result[index] = hs[index - H]; }`,
  );

/** dU = sum over b, t of dz[b, t]^T h_{t-1}[b]: one matMul over all steps. dz [1, B T, G H] -> [G H, H]. */
export function weightGrad(backend: object, dz: TensorInfo, hs: TensorInfo, h0: TensorInfo): TensorInfo {
  const gpu = gpuOf(backend);
  const [B, T, H] = hs.shape as [number, number, number];
  const prev = gpu.runWebGPUProgram(previousStates([B, T, H]), [hs, h0], "float32"); // [B, T, H]
  const b = { ...prev, shape: [1, B * T, H] }; // the same buffer in the shape BatchMatMul takes
  const du = kernelFunc("BatchMatMul", "webgpu")({ inputs: { a: dz, b }, backend, attrs: { transposeA: true, transposeB: false } }) as TensorInfo; // [1, G H, H]
  gpu.disposeData(prev.dataId);
  return { ...du, shape: du.shape.slice(1) };
}

/** Throws naming the shapes expected unless every tensor has its size (and is float32). */
export function expectSizes(kernel: string, expected: string, tensors: Record<string, [TensorInfo | undefined, number]>): void {
  const bad = Object.entries(tensors).filter(([, [t, n]]) => t === undefined || util.sizeFromShape(t.shape) !== n || t.dtype !== "float32");
  if (bad.length > 0) {
    const got = bad.map(([name, [t]]) => `${name} ${t ? `${t.dtype} [${t.shape}]` : "missing"}`).join(", ");
    throw new Error(`${kernel}: expected float32 ${expected}; got ${got}`);
  }
}
