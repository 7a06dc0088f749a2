// Programs in tfjs-backend-webgpu 4.22's WebGPUProgram shape, run through
// backend.runWebGPUProgram: the package prepends the bindings (`result`, one array per input
// name), the uniforms (`uniforms.<input>Shape`, `uniforms.size`, any declared in `uniforms`) and
// the entry point that calls `main(index)`. Shared by every WGSL kernel of ours.
import { util } from "@tensorflow/tfjs-core";
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";

export interface WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms?: string;
  getUserCode(): string;
}

type Uniform = { type: "int32" | "float32"; data: number[] };

export interface WebgpuBackendLike {
  runWebGPUProgram(program: WebgpuProgram, inputs: TensorInfo[], outputDtype: DataType, uniforms?: Uniform[], output?: TensorInfo): TensorInfo;
  makeTensorInfo(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object): void;
}

export const gpuOf = (backend: object) => backend as unknown as WebgpuBackendLike;

/** One invocation per element of `threads` (a shape), `body` run with `index` below its size. */
export function program(name: string, variableNames: string[], threads: number[], body: string, uniforms?: string, workgroupX = 64): WebgpuProgram {
  const workgroupSize: [number, number, number] = [workgroupX, 1, 1];
  return {
    variableNames,
    outputShape: threads,
    shaderKey: `unroll_${name}`,
    dispatchLayout: { x: threads.map((_, i) => i) },
    dispatch: [Math.ceil(util.sizeFromShape(threads) / workgroupSize[0]), 1, 1],
    workgroupSize,
    size: true,
    ...(uniforms ? { uniforms } : {}),
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}
