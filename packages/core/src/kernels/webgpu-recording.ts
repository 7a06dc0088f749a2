// What a computation dispatches and reads on the webgpu backend, for the kernel tests
// (webgpu-testing.ts) and scripts/webgpu-check.ts: every tfjs-backend-webgpu program goes through
// the backend's recordAndSubmit, and every read of a value back to the host through its read.
import * as tf from "@tensorflow/tfjs-core";

export interface Recording {
  /** dispatches (every tfjs-backend-webgpu program goes through recordAndSubmit) */
  dispatches: number;
  /** each program's shaderKey as it was run, in order (tfjs appends the shapes and dtypes) */
  programs: string[];
  /** reads of a value back to the host (tensor.data(): backend.read) */
  reads: number;
  /** programs and "read" in the order they happened, with whatever the caller pushed in between */
  timeline: string[];
}

/** What the current webgpu backend dispatches and reads while `f` runs (nothing on another backend: `f` just runs). */
export async function recordPrograms(f: (timeline: string[]) => unknown): Promise<Recording> {
  const backend = tf.backend() as unknown as {
    recordAndSubmit?: (program: { shaderKey: string }, ...args: unknown[]) => unknown;
    read: (...args: unknown[]) => Promise<unknown>;
  };
  const { recordAndSubmit, read } = backend;
  const recording: Recording = { dispatches: 0, programs: [], reads: 0, timeline: [] };
  if (!recordAndSubmit) {
    await f(recording.timeline);
    return recording;
  }
  backend.recordAndSubmit = (program, ...args) => {
    recording.dispatches++;
    recording.programs.push(program.shaderKey);
    recording.timeline.push(program.shaderKey);
    return recordAndSubmit.call(backend, program, ...args);
  };
  backend.read = (...args) => {
    recording.reads++;
    recording.timeline.push("read");
    return read.call(backend, ...args);
  };
  try {
    await f(recording.timeline);
  } finally {
    backend.recordAndSubmit = recordAndSubmit;
    backend.read = read;
  }
  return recording;
}

/**
 * Live tensors at each "step" event of a run, flat from the second step on (the first makes the
 * optimizer's state). Where each loss is reported a step late (device backends: train/trainer.ts)
 * the last event, sent with no step queued after it, holds one tensor fewer: that step's loss.
 */
export function stepTensorsFlat(counts: number[], lagged: boolean): boolean {
  const steady = lagged ? counts.slice(1, -1) : counts.slice(1);
  const flat = new Set(steady).size <= 1;
  if (!lagged || counts.length < 3) return flat;
  return flat && counts.at(-1) === counts[1]! - 1;
}
