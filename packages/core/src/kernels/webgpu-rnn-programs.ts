// What the WGSL recurrent layer kernels share (webgpu-lstm-sequence.ts, webgpu-gru-sequence.ts,
// webgpu-elman-sequence.ts): programs in tfjs-backend-webgpu 4.22's WebGPUProgram shape (as
// webgpu-softmax-ce.ts), the time loop that writes one packed buffer one dispatch per step, the
// copies that unpack it, and the weight gradient dU = sum_t dz_t^T h_{t-1} as one matMul.
import { util } from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { kernelFunc } from "./registry.js";
import { gpuOf, program, type WebgpuBackendLike, type WebgpuProgram } from "./webgpu-program.js";

export { gpuOf };

/** Batch rows per thread in a step program: each weight read from U serves this many rows. */
export const ROWS = 4;

/** Threads of a step program: one per j of H and block of ROWS batch rows. */
export const stepThreads = (B: number, H: number) => Math.ceil(B / ROWS) * H;

/**
 * A step program: a thread takes column j for the batch rows b0 .. b0 + ROWS - 1 (adjacent threads,
 * adjacent j: U's reads coalesce). `dot` runs once per thread (the recurrent product, accumulating
 * into an array over the rows), then `row` once per row b < B (the pointwise maths, `bb` indexes the
 * accumulators). Both see t (the step), H, B, T, N = B T H, j, b0, and (forward: hs at the start of
 * the packed buffer) prevH(b, t, k) = h_{t-1}[b, k], from h0 at t = 0, else what step t - 1 wrote.
 */
export function stepProgram(name: string, variableNames: string[], threads: number, { dot, row }: { dot: string; row: string }): WebgpuProgram {
  const body = `let t = uniforms.step;
          let H = uniforms.hidden;
          let B = uniforms.maskShape[0];
          let T = uniforms.maskShape[1];
          let N = B * T * H;
          let j = index % H;
          let b0 = (index / H) * ${ROWS};
          ${dot}
          for (var bb = 0; bb < ${ROWS}; bb++) {
            let b = b0 + bb;
            if (b < B) {
              ${row}
            }
          }`;
  const p = program(name, variableNames, [threads], body, "step : i32, hidden : i32,");
  if (!variableNames.includes("h0") || variableNames.includes("hs")) return p;
  const prevH = `
      fn prevH(b : i32, t : i32, k : i32) -> f32 {
        let H = uniforms.hidden;
        if (t == 0) { return h0[b * H + k]; }
        return result[(b * uniforms.maskShape[1] + t - 1) * H + k];
      }`;
  return { ...p, getUserCode: () => prevH + p.getUserCode() };
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

/** U^T [H, G H] from U [G H, H]: the recurrent product then reads it coalesced (adjacent threads, adjacent j). */
export function transposed(backend: object, u: TensorInfo): TensorInfo {
  return kernelFunc("Transpose", "webgpu")({ inputs: { x: u }, backend, attrs: { perm: [1, 0] } }) as TensorInfo;
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
