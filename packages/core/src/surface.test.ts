// "@unroll/core" (src/index.ts) is what a notebook or a script needs; the kernels and the native
// addon's switch sit behind "@unroll/core/kernels" (./config and ./data-files are the others).
import { describe, expect, it } from "vitest";
import * as core from "./index.js";
import * as kernels from "./kernels/index.js";

describe("public surface", () => {
  it("the index has models, config, data, training, sampling, checkpoints and backends", () => {
    for (const name of [
      "LanguageModel",
      "parseExperimentConfig",
      "loadExperimentData",
      "train",
      "runExperiment",
      "generate",
      "loadModel",
      "encodeCheckpoint",
      "initBackend",
    ])
      expect(core, name).toHaveProperty(name);
  });

  it("kernels are behind @unroll/core/kernels, not in the index", () => {
    for (const name of ["registerFastKernels", "unregisterFastKernels", "fastKernelNames", "nativeBlasInfo", "setNativeBlas"]) {
      expect(kernels, name).toHaveProperty(name);
      expect(core, name).not.toHaveProperty(name);
    }
  });
});
