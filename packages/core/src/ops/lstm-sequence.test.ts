// The fused LSTM layer (one native kernel over all time steps, forward and backward) against the
// stock cpu backend running cells/cell.ts's step-by-step loop: outputs, final states and every
// gradient (inputs, the four weights, h0 and c0, with gradient also entering the final h and c).
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { runCell } from "../cells/cell.js";
import { LSTMCell } from "../cells/lstm.js";
import { LstmSequence, LstmSequenceGrad, nativeBlasInfo } from "../kernels/index.js";
import { expectNoLeak, expectSameOnCpuAndWasm, seeded, startCpuAndWasm } from "../kernels/testing.js";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import { lstmSequenceAvailable } from "./lstm-sequence.js";

beforeAll(startCpuAndWasm);

const [B, T, I, H] = [3, 6, 4, 5];
const t = (shape: number[], seed: number) => tf.tensor(seeded(shape.reduce((a, b) => a * b, 1), seed), shape);

/** A cell with the same weights on whichever backend is current, and a loss over all it returns. */
function layerGradients(): tf.Tensor[] {
  const params = new Parameters();
  try {
    return tf.tidy(() => layerGradientsOf(params));
  } finally {
    params.dispose();
  }
}

function layerGradientsOf(params: Parameters): tf.Tensor[] {
  const cell = new LSTMCell(params, "rnn.", "_l0", I, H, new Rng(7));
  const x = t([B, T, I], 1);
  const h0 = t([B, H], 2);
  const c0 = t([B, H], 3);
  const [wOut, wH, wC] = [t([B, T, H], 4), t([B, H], 5), t([B, H], 6)];
  const loss = (...inputs: tf.Tensor[]) => {
    const [xv, hv, cv] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
    const { outputs, state } = runCell(cell, xv, [hv, cv]);
    return tf.addN([tf.sum(tf.mul(outputs, wOut)), tf.sum(tf.mul(state[0]!, wH)), tf.sum(tf.mul(state[1]!, wC))]) as tf.Scalar;
  };
  const { outputs, state } = runCell(cell, x as tf.Tensor3D, [h0 as tf.Tensor2D, c0 as tf.Tensor2D]);
  const inputGrads = tf.grads(loss)([x, h0, c0]);
  const { grads } = tf.variableGrads(() => loss(x, h0, c0), params.variables());
  const weightGrads = params.entries().map(([, v]) => grads[v.name]!);
  return [outputs, ...state, ...inputGrads, ...weightGrads];
}

describe.runIf(nativeBlasInfo().available)("lstmSequence (native addon)", () => {
  it("runs on wasm while the addon is active", async () => {
    await tf.setBackend("wasm");
    expect(lstmSequenceAvailable()).toBe(true);
    const { kernelNames } = await tf.profile(() => layerGradients());
    expect(kernelNames).toContain(LstmSequence); // the fused path was the one measured below
    expect(kernelNames).toContain(LstmSequenceGrad);
  });

  it("gives the step-by-step loop's outputs, final states and gradients", async () => {
    await expectSameOnCpuAndWasm(layerGradients, 2e-4);
  });

  it("leaks nothing", async () => {
    await tf.setBackend("wasm");
    expectNoLeak(() => layerGradients());
  });
});

describe("lstmSequence availability", () => {
  it("is off on backends without the kernel (cpu loops over steps)", async () => {
    await tf.setBackend("cpu");
    expect(lstmSequenceAvailable()).toBe(false);
    await tf.setBackend("wasm");
  });
});
