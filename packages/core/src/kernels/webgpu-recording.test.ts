// KernelTimer (webgpu-check's kernel profile) on the software adapter: it names and counts every
// dispatch of its window by program, leaves the backend as it found it, and says whether the
// times are real (llvmpipe through OpenGL ES has no timestamp-query: counts only).
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { Axpy } from "./optimizer-update.js";
import { KernelTimer, programName } from "./webgpu-recording.js";
import { failInCiUnlessStarted, recordPrograms, startSoftware, use } from "./webgpu-testing.js";

const reason = await startSoftware();
const SKIP = reason !== "";
failInCiUnlessStarted(reason);

it("programName drops the shapes and dtypes tfjs appends to a shaderKey", () => {
  expect(programName("unroll_lstm_seq_step_64,1,11,1,2,2float32,float32,float32xs,uT,h0")).toBe("unroll_lstm_seq_step");
  expect(programName("binary_0_64,1,11,1,1float32,float32,float32a,b")).toBe("binary");
  expect(programName("matMulPacked_8,8,13,3,3float32")).toBe("matMulPacked");
  expect(programName("_9")).toBe("_9");
});

describe.skipIf(SKIP)(`KernelTimer on the software adapter${SKIP ? ` (skipped: ${reason})` : ""}`, () => {
  it("counts the window's dispatches by program, times them where it can, and stops cleanly", async () => {
    await use("webgpu");
    const [x, y] = [tf.ones([257]), tf.ones([257])];
    const timer = new KernelTimer();
    timer.start();
    const outs = [tf.engine().runKernel(Axpy, { x, y }, { alpha: 2 } as unknown as tf.NamedAttrMap) as tf.Tensor, tf.add(x, y)];
    const values = await outs[0]!.data(); // a read inside the window
    const profile = await timer.stop();
    expect(values[0]).toBe(3);
    expect(profile.dispatches).toBe(2);
    expect(profile.programs.map((p) => [p.program, p.dispatches]).sort()).toEqual([
      ["binary", 1],
      ["unroll_axpy", 1],
    ]);
    expect(profile.timed).toBe((tf.backend() as unknown as { supportTimestampQuery: boolean }).supportTimestampQuery);
    if (!profile.timed) expect(profile.kernelMs).toBe(0);
    expect((tf.backend() as unknown as { activeTimers: unknown }).activeTimers).toBeNull();
    const after = await recordPrograms(() => tf.dispose(tf.add(x, y))); // dispatches go on as before
    expect(after.dispatches).toBe(1);
    tf.dispose([x, y, ...outs]);
  });
});
