// The first error a WebGPU device reports on its own time (uncapturederror, a lost device) is kept
// and thrown by throwIfDeviceError, with a fake device here; the software adapter's run that hits
// a failing shader is in kernels/webgpu-optimizer-update.test.ts.
import { describe, expect, it } from "vitest";
import { throwIfDeviceError, watchDeviceErrors, type WatchedDevice } from "./device-errors.js";
import { DeviceError } from "./errors.js";

function fakeDevice() {
  let fire: (event: { error?: { message?: string } }) => void = () => {};
  let lose: (info: { reason?: string; message?: string }) => void = () => {};
  const device: WatchedDevice = {
    addEventListener: (_type, listener) => void (fire = listener),
    lost: new Promise((resolve) => (lose = resolve)),
  };
  return { device, fire: (message: string) => fire({ error: { message } }), lose: (reason: string, message: string) => lose({ reason, message }) };
}

const thrown = () => {
  try {
    throwIfDeviceError();
  } catch (err) {
    return err;
  }
  return undefined;
};

describe("device errors", () => {
  it("keeps the first uncaptured error and throws it as a DeviceError saying what to do", () => {
    const d = fakeDevice();
    watchDeviceErrors(d.device);
    expect(thrown()).toBeUndefined();
    d.fire("Error while parsing WGSL: :117:38 error: unresolved value 'x'\n - While calling [Device].CreateShaderModule");
    d.fire("[Invalid ShaderModule] is invalid due to a previous error.");
    const err = thrown() as DeviceError;
    expect(err).toBeInstanceOf(DeviceError);
    expect(err.message).toMatch(
      /^the GPU reported an error, so every result since is wrong: Error while parsing WGSL: :117:38 error: unresolved value 'x'\n - While calling/,
    );
    expect(err.message).not.toContain("previous error");
    expect(err.message).toContain("UNROLL_BACKEND=wasm");
    expect(thrown()).toBeInstanceOf(DeviceError); // sticky: the failed pipeline stays cached
  });

  it("says what to change when a tensor is too large to bind (the logits of a large batch)", () => {
    const d = fakeDevice();
    watchDeviceErrors(d.device);
    d.fire("Binding size (179200000) of [Buffer (unlabeled)] is larger than the maximum storage buffer binding size (134217728).");
    expect((thrown() as Error).message).toMatch(
      /binding size \(134217728\)\.\nA tensor is larger than this adapter lets one shader bind .*lower train\.batchSize or train\.bptt/,
    );
  });

  it("forgets a device's errors once another is watched, and ignores the old one's", () => {
    const old = fakeDevice();
    watchDeviceErrors(old.device);
    old.fire("bad");
    watchDeviceErrors(fakeDevice().device);
    expect(thrown()).toBeUndefined();
    old.fire("late");
    expect(thrown()).toBeUndefined();
  });

  it("records a lost device, but not one destroyed on purpose", async () => {
    const destroyed = fakeDevice();
    watchDeviceErrors(destroyed.device);
    destroyed.lose("destroyed", "Device was destroyed.");
    await destroyed.device.lost;
    await Promise.resolve();
    expect(thrown()).toBeUndefined();
    const lost = fakeDevice();
    watchDeviceErrors(lost.device);
    lost.lose("unknown", "GPU hung");
    await lost.device.lost;
    await Promise.resolve();
    expect((thrown() as Error).message).toContain("the GPU device was lost (unknown): GPU hung");
  });
});
