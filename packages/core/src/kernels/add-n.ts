// AddN for webgpu in chunks. tfjs-backend-webgpu 4.22 binds every input of AddN as a storage
// buffer of one shader, so more inputs than the device's maxStorageBuffersPerShaderStage allows
// (one binding is the output) fail pipeline validation, and the result reads as zeros without an
// exception (seen on the software adapter: 20 inputs against a limit of 8, the default a device
// gets unless it asks for more). Gradient clipping sums one square per parameter with AddN
// (train/optimizers.ts globalNorm), so a model with more than 7 parameters would clip by a
// norm of 0. Concat, by contrast, already splits its inputs (tfjs Concat_impl).
import { AddN } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";

interface WebgpuBackendLike {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): void;
}

/** Inputs one AddN shader may bind on this device: the storage buffer limit less the output. */
export function addNInputsPerShader(backend: unknown): number {
  const limit = (backend as WebgpuBackendLike).device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
  return Math.max(2, limit - 1);
}

const addNInChunks =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    if (!stock) throw new Error("webgpu has no stock AddN kernel");
    const run = (inputs: TensorInfo[]): TensorInfo => {
      const perShader = addNInputsPerShader(args.backend);
      if (inputs.length <= perShader) return stock.kernelFunc({ ...args, inputs: inputs as unknown as typeof args.inputs }) as TensorInfo;
      // sum each chunk, then the chunks' sums; the partial sums are ours to free
      const partials: TensorInfo[] = [];
      const created: TensorInfo[] = [];
      for (let i = 0; i < inputs.length; i += perShader) {
        const chunk = inputs.slice(i, i + perShader);
        if (chunk.length === 1) partials.push(chunk[0]!);
        else {
          const sum = run(chunk);
          partials.push(sum);
          created.push(sum);
        }
      }
      const total = run(partials);
      for (const t of created) (args.backend as WebgpuBackendLike).disposeData(t.dataId);
      return total;
    };
    return run(args.inputs as unknown as TensorInfo[]);
  };

export const webgpuAddNOverrides: readonly KernelOverride[] = [{ kernelName: AddN, build: addNInChunks }];
