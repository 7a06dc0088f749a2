// Identity and same-dtype Cast for wasm without a copy: share the data and count a reference, as
// the cpu backend and wasm's own Reshape do. The stock wasm kernels copy the whole tensor, and
// the engine calls Identity for every tensor a gradient saves (tfjs-core engine.ts
// saveTensorsForBackwardMode clones them): ~1300 copies per step of the reference LM, among
// them the [700, 10000] logits and softmax (profile in benchmarks/RESULTS.md). Sharing is safe
// because tensors are immutable: kernels write only to fresh outputs, and Variable.assign swaps
// data ids rather than writing in place.
import { Cast, Identity } from "@tensorflow/tfjs-core";
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { KernelOverride } from "./registry.js";

interface RefCounting {
  incRef(dataId: object): void;
}

function share(x: TensorInfo, backend: unknown): TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const identity =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    const x = args.inputs["x"] as TensorInfo;
    if (x.dtype === "string") {
      if (!stock) throw new Error("wasm has no stock Identity kernel");
      return stock.kernelFunc(args);
    }
    return share(x, args.backend);
  };

const cast =
  (stock: KernelConfig | undefined): KernelFunc =>
  (args) => {
    const x = args.inputs["x"] as TensorInfo;
    const { dtype } = args.attrs as { dtype: DataType };
    if (x.dtype === dtype && dtype !== "string") return share(x, args.backend);
    if (!stock) throw new Error("wasm has no stock Cast kernel");
    return stock.kernelFunc(args);
  };

export const identityOverrides: readonly KernelOverride[] = [
  { kernelName: Identity, build: identity },
  { kernelName: Cast, build: cast },
];
