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
 * Live tensors at each "step" event of a run on a device backend, flat from the second step on
 * (the first makes the optimizer's state). Each loss is reported a step late there
 * (train/trainer.ts), so the last event, sent with no step queued after it, holds one tensor
 * fewer: that step's loss.
 */
export function stepTensorsFlat(counts: number[]): boolean {
  const flat = new Set(counts.slice(1, -1)).size <= 1;
  return counts.length < 3 ? flat : flat && counts.at(-1) === counts[1]! - 1;
}

/** GPU time per program over the dispatches of a window (KernelTimer). */
export interface KernelProfile {
  /** false: the device has no timestamp-query feature (every time is 0; counts still hold) */
  timed: boolean;
  dispatches: number;
  /** the sum of every dispatch's GPU time */
  kernelMs: number;
  /** by program (shaderKey up to its shapes), most GPU time first */
  programs: { program: string; dispatches: number; ms: number }[];
}

type TimedBackend = {
  supportTimestampQuery?: boolean;
  activeTimers?: { name: string; query: Promise<number> | number }[] | null;
  recordAndSubmit?: (program: { shaderKey: string }, ...args: unknown[]) => unknown;
};

/**
 * A shaderKey without what tfjs appends to it (makeShaderKey: "_", the workgroup size, ranks,
 * dtypes ...): from the first "_" before a digit, which also drops a stock program's op number
 * ("binary_0_64,1,1..." -> "binary").
 */
export const programName = (shaderKey: string) => shaderKey.split(/_(?=\d)/)[0] || shaderKey;

/**
 * Times every dispatch between start() and stop() on the GPU with tfjs-backend-webgpu's own
 * timestamp queries (what its time() does for one synchronous function; here over a window that
 * may span awaits, such as one training step). Each timed dispatch gets a compute pass and a
 * submit of its own, so the wall time of the window is not representative; the kernel times are.
 */
export class KernelTimer {
  #backend = tf.backend() as unknown as TimedBackend;
  #names: string[] = [];
  #original?: TimedBackend["recordAndSubmit"];

  start(): void {
    const backend = this.#backend;
    const original = backend.recordAndSubmit;
    if (!original || this.#original) return;
    this.#original = original;
    backend.activeTimers = [];
    backend.recordAndSubmit = (program, ...args) => {
      this.#names.push(programName(program.shaderKey));
      return original.call(backend, program, ...args);
    };
  }

  /** Ends the window (at once) and waits for the times. */
  async stop(): Promise<KernelProfile> {
    const backend = this.#backend;
    const timers = backend.activeTimers ?? [];
    if (this.#original) backend.recordAndSubmit = this.#original;
    backend.activeTimers = null;
    this.#original = undefined;
    const ms = await Promise.all(timers.map((t) => t.query));
    const byProgram = new Map<string, { program: string; dispatches: number; ms: number }>();
    this.#names.forEach((program, i) => {
      const entry = byProgram.get(program) ?? { program, dispatches: 0, ms: 0 };
      entry.dispatches++;
      entry.ms += ms[i] ?? 0;
      byProgram.set(program, entry);
    });
    return {
      timed: backend.supportTimestampQuery === true,
      dispatches: this.#names.length,
      kernelMs: ms.reduce((a, b) => a + b, 0),
      programs: [...byProgram.values()].sort((a, b) => b.ms - a.ms || b.dispatches - a.dispatches),
    };
  }
}
