// Test helpers for the WGSL kernels on the software adapter (Mesa llvmpipe through Dawn's OpenGL
// ES backend): start it or say why not, switch between it and the reference backends, and record
// a training run's losses, live tensors and dispatches (webgpu-recording.ts). Imported by *.test.ts only.
import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";
import { initBackend } from "../backend.js";
import { processEnv } from "../env.js";
import type { TrainEvent } from "../train/events.js";
import { train, type TrainConfig, type TrainOptions } from "../train/trainer.js";
import { unregisterFastKernels } from "./index.js";
import { recordPrograms } from "./webgpu-recording.js";

export { recordPrograms, stepTensorsFlat } from "./webgpu-recording.js";

/** Starts webgpu on the software adapter; "" when it started, else why not (its first sentence). */
export async function startSoftware(): Promise<string> {
  try {
    await initBackend({ backend: "webgpu", allowSoftwareAdapter: true });
    tf.env().set("WEBGPU_CPU_FORWARD", false); // test the GPU kernels, not tfjs's CPU forwarding
    return "";
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split(". ")[0]!;
  }
}

/** In CI (CI=true) the adapter must start (.ci/run installs what it needs): a failing test, not a skip. */
export function failInCiUnlessStarted(reason: string): void {
  it.runIf(reason !== "" && processEnv()["CI"] === "true")("CI: the software adapter starts (.ci/run installs what it needs)", () => {
    expect.fail(`webgpu on the software adapter did not start: ${reason}`);
  });
}

export type Backend = "cpu" | "wasm" | "webgpu";

/** Makes `backend` current; cpu runs its stock kernels only (it is the reference). */
export async function use(backend: Backend): Promise<void> {
  if (backend === "webgpu") await initBackend({ backend: "webgpu", allowSoftwareAdapter: true });
  else {
    await initBackend({ backend });
    if (backend === "cpu") unregisterFastKernels("cpu");
  }
}

/** Tensors and webgpu buffers now: equal before and after a repeated call means nothing leaked. */
export const liveCounts = () => [tf.memory().numTensors, tf.engine().backend.numDataIds()];

/**
 * Trains `task` on the current backend: each step's loss and live tensors, and (webgpu) the programs
 * run, the bytes of GPU buffers allocated (tfjs's buffer manager: live and pooled), and the
 * timeline of programs, reads and "step n" (each step event as it was sent).
 */
export async function recordTraining(
  task: TrainOptions["task"],
  config: TrainConfig,
): Promise<{ losses: number[]; tensors: number[]; gpuBytes: number[]; programs: string[]; timeline: string[] }> {
  const losses: number[] = [];
  const tensors: number[] = [];
  const gpuBytes: number[] = [];
  const { programs, timeline } = await recordPrograms((timeline) => {
    const onEvent = (e: TrainEvent) => {
      if (e.type !== "step") return;
      losses.push(e.loss);
      tensors.push(tf.memory().numTensors);
      gpuBytes.push((tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? 0);
      timeline.push(`step ${e.step}`);
    };
    return train({ task, config, meta: { task: "lm", model: {} }, signal: new AbortController().signal, onEvent });
  });
  return { losses, tensors, gpuBytes, programs, timeline };
}
