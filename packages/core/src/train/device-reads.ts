// Whether reading a value back stalls a device. On the CPU backends (cpu, wasm) an op has finished
// when it returns, so a read costs nothing: the trainer reads each step's loss at once and checks
// it before the update, and the clip norm is read as a number. On a device backend (webgpu; the
// tensorflow backend on a GPU) a read waits until the queue has drained, and the commands after it
// wait for the read: there no value is read inside a step (the clip factor stays on the device,
// optimizers.ts clipScale) and each step's loss is read while the device runs the next step.
import * as tf from "@tensorflow/tfjs-core";

const HOST_BACKENDS = new Set(["cpu", "wasm"]);

/** True on cpu and wasm: the current backend computes on the host, so reads are free. */
export function readsAreFree(): boolean {
  return HOST_BACKENDS.has(tf.getBackend());
}
