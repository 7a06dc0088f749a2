// Errors a WebGPU device reports on its own time: a shader that fails to compile or validate, or
// a dispatch that fails validation, raises no exception where it was queued; the device fires
// "uncapturederror" later and the output stays unwritten (zeros), so training would go on with
// wrong numbers. And a lost device (driver reset, GPU gone) resolves `device.lost`. The first such
// error is kept here from the moment it happens, until the backend is set up again, and
// throwIfDeviceError throws it: the trainer checks at every step it reports, so a run stops with
// the device's own message instead of a curve of garbage.
import { DeviceError } from "./errors.js";

/** The parts of a GPUDevice watched here. */
export interface WatchedDevice {
  addEventListener(type: "uncapturederror", listener: (event: { error?: { message?: string } }) => void): void;
  lost?: Promise<{ reason?: string; message?: string }>;
}

let first: string | undefined;
let watched: WatchedDevice | undefined;

/** Starts recording `device`'s errors (and forgets those of a device before it). */
export function watchDeviceErrors(device: WatchedDevice): void {
  first = undefined;
  watched = device;
  device.addEventListener("uncapturederror", (event) => {
    if (watched === device) first ??= event.error?.message?.trim() || "an uncaptured WebGPU error without a message";
  });
  void device.lost?.then((info) => {
    // "destroyed": we (or tfjs) ended it on purpose
    if (watched === device && info.reason !== "destroyed") first ??= `the GPU device was lost (${info.reason ?? "unknown"}): ${info.message ?? ""}`.trim();
  });
}

/** What to do about the errors seen, by their message; else the general advice. */
const FIXES: [RegExp, string][] = [
  [
    /larger than the maximum storage buffer binding size/,
    "A tensor is larger than this adapter lets one shader bind (most often the LM's logits, train.batchSize x train.bptt x |V| floats): lower train.batchSize or train.bptt, or train on wasm (UNROLL_BACKEND=wasm)",
  ],
];
const GENERAL =
  "A kernel's shader did not compile or validate on this adapter, or the device was lost. Train on wasm meanwhile (UNROLL_BACKEND=wasm) and report the message with the adapter (the run's backend info)";

/** Throws DeviceError with the first error the watched device reported, if any. */
export function throwIfDeviceError(): void {
  if (first === undefined) return;
  const [headline, ...detail] = first.split("\n");
  const fix = FIXES.find(([pattern]) => pattern.test(first!))?.[1] ?? GENERAL;
  throw new DeviceError(`the GPU reported an error, so every result since is wrong: ${headline}${detail.length ? `\n${detail.join("\n")}` : ""}\n${fix}`);
}
