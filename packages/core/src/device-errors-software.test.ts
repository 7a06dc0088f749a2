// On the software adapter (skipped, saying why, where it does not start; failing in CI): a shader
// that fails to compile in the middle of a run stops training with the device's own message, as a
// DeviceError, instead of going on with the zeros its output is left holding. A file of its own:
// the error is kept until the backend is set up again, so it would stop the next test's run too.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { DeviceError } from "./errors.js";
import { gpuOf, program } from "./kernels/webgpu-program.js";
import { failInCiUnlessStarted, startSoftware, use } from "./kernels/webgpu-testing.js";
import { LanguageModel } from "./models/language-model.js";
import { LMTask } from "./train/lm-task.js";
import { train } from "./train/trainer.js";

const reason = await startSoftware();
const SKIP = reason !== "";
failInCiUnlessStarted(reason);

describe.skipIf(SKIP)(`device errors on the software adapter${SKIP ? ` (skipped: ${reason})` : ""}`, () => {
  it("a shader that fails to compile at step 2 stops the run with a DeviceError quoting WGSL's error, a step or two later", async () => {
    await use("webgpu");
    const model = new LanguageModel({ vocabSize: 12, cell: "lstm", embeddingSize: 4, hiddenSize: 4, layers: 1, dropout: 0, tied: false }, 1);
    const cycle = (n: number) => Int32Array.from({ length: n }, (_, i) => 4 + (i % 7));
    const task = new LMTask(model, { train: cycle(200), valid: cycle(24), test: cycle(24) }, { batchSize: 2, bptt: 4 });
    const reported: number[] = [];
    const broken = program("broken_on_purpose", ["x"], [4], "result[index] = x[index] + notDefined;");
    const err = await train({
      task,
      config: { optimizer: "sgd", lr: 1, clip: 0.25, epochs: 1, maxSteps: 20, seed: 1 },
      meta: { task: "lm", model: {} },
      onEvent: (e) => {
        if (e.type !== "step") return;
        reported.push(e.step);
        if (e.step === 2) {
          // as a kernel whose WGSL this adapter rejects: tfjs queues it and raises nothing
          const x = tf.ones([4]);
          gpuOf(tf.backend()).disposeData(gpuOf(tf.backend()).runWebGPUProgram(broken, [x], "float32").dataId);
          x.dispose();
        }
      },
    }).catch((e: unknown) => e);
    task.dispose();
    model.dispose();
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as Error).message).toMatch(
      /^the GPU reported an error, so every result since is wrong: Error while parsing WGSL: .*unresolved value 'notDefined'/,
    );
    expect(reported.length).toBeLessThanOrEqual(4); // the error arrives by the next read or the one after it
  });
});
