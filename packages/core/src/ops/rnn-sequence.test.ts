// The fused recurrent layers (one native kernel over all time steps, forward and backward) against
// the stock cpu backend running cells/cell.ts's step-by-step loop: outputs, final states and every
// gradient (inputs, the four weights, the initial state, with gradient also entering the final
// state), without and with a padding mask.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createCell, type Activation, type CellKind } from "../cells/index.js";
import { runCell } from "../cells/cell.js";
import { ElmanSequence, GruSequence, LstmSequence } from "../kernels/index.js";
import { ADDON, ADDON_NOTE, expectNoLeak, expectSameOnCpuAndWasm, seeded, startCpuAndWasm } from "../kernels/testing.js";
import { StackedRNN } from "../layers/stacked.js";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import { rnnSequenceAvailable } from "./rnn-sequence.js";

beforeAll(startCpuAndWasm);

/** Small layers run on one thread; the large one (over 1M multiply-adds a layer) splits its batch of 5 over the threads. */
const SIZES = { small: { B: 3, T: 6, I: 4, H: 5 }, large: { B: 5, T: 16, I: 16, H: 128 } } as const;
type Size = keyof typeof SIZES;
const t = (shape: number[], seed: number) =>
  tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

/** Outputs, final state and all gradients of one layer, with the same weights on whichever backend is current. */
function layerGradients(kind: CellKind, activation?: Activation, masked = false, size: Size = "small"): tf.Tensor[] {
  const { B, T, I, H } = SIZES[size];
  const params = new Parameters();
  try {
    return tf.tidy(() => {
      const cell = createCell(kind, params, "rnn.", "_l0", I, H, new Rng(7), activation);
      const x = t([B, T, I], 1) as tf.Tensor3D;
      const s0 = Array.from({ length: cell.stateSize }, (_, k) => t([B, H], 2 + k) as tf.Tensor2D);
      const wOut = t([B, T, H], 4);
      // padded batch: lengths T, T - 2, 1, ... (1 = token, 0 = padding)
      const lengths = Array.from({ length: B }, (_, b) => [T, T - 2, 1][b % 3]!);
      const mask = masked
        ? tf.tensor2d(
            lengths.flatMap((len) => Array.from({ length: T }, (_, i) => (i < len ? 1 : 0))),
            [B, T],
          )
        : undefined;
      const loss = (...inputs: tf.Tensor[]) => {
        const [xv, ...sv] = inputs as [tf.Tensor3D, ...tf.Tensor2D[]];
        const { outputs, state } = runCell(cell, xv, sv, mask);
        return tf.addN([tf.sum(tf.mul(outputs, wOut)), ...state.map((s, k) => tf.sum(tf.mul(s, t([B, H], 5 + k))))]) as tf.Scalar;
      };
      const { outputs, state } = runCell(cell, x, s0, mask);
      const inputGrads = tf.grads(loss)([x, ...s0]);
      const { grads } = tf.variableGrads(() => loss(x, ...s0), params.variables());
      return [outputs, ...state, ...inputGrads, ...params.entries().map(([, v]) => grads[v.name]!)];
    });
  } finally {
    params.dispose();
  }
}

const cases: { kind: CellKind; activation?: Activation; kernel: string }[] = [
  { kind: "lstm", kernel: LstmSequence },
  { kind: "gru", kernel: GruSequence },
  { kind: "elman", activation: "tanh", kernel: ElmanSequence },
  { kind: "elman", activation: "relu", kernel: ElmanSequence },
];

describe.skipIf(!ADDON.available)(`fused recurrent layers (native addon)${ADDON_NOTE}`, () => {
  const variants = cases.flatMap((c) => [
    { ...c, masked: false, size: "small" as Size },
    { ...c, masked: true, size: "small" as Size },
    { ...c, masked: true, size: "large" as Size },
  ]);
  for (const { kind, activation, kernel, masked, size } of variants) {
    const name = `${kind}${activation ? ` ${activation}` : ""}${masked ? ", padded batch (mask)" : ""}${size === "large" ? ", large (batch split over threads)" : ""}`;
    it(`${name}: runs as one kernel on wasm while the addon is active`, async () => {
      await tf.setBackend("wasm");
      expect(rnnSequenceAvailable(kind)).toBe(true);
      const { kernelNames } = await tf.profile(() => layerGradients(kind, activation, masked, size));
      expect(kernelNames).toEqual(expect.arrayContaining([kernel, `${kernel}Grad`])); // the path compared below
    });

    it(`${name}: gives the step-by-step loop's outputs, final state and gradients`, async () => {
      await expectSameOnCpuAndWasm(() => layerGradients(kind, activation, masked, size), 2e-4);
    });

    it(`${name}: leaks nothing`, async () => {
      await tf.setBackend("wasm");
      expectNoLeak(() => layerGradients(kind, activation, masked, size));
    });
  }
});

describe.skipIf(!ADDON.available)(`fused layers inside a stacked bidirectional RNN (native addon)${ADDON_NOTE}`, () => {
  // the backward direction runs on the time-reversed padded batch: pads come first there
  it("padded batch: outputs, final states and gradients as the cpu step loop", async () => {
    await expectSameOnCpuAndWasm(() => {
      const params = new Parameters();
      try {
        return tf.tidy(() => {
          const rnn = new StackedRNN(params, { cell: "gru", layers: 2, inputSize: 4, hiddenSize: 5, bidirectional: true }, new Rng(3));
          const x = t([3, 6, 4], 1) as tf.Tensor3D;
          const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0], [3, 6]);
          const run = () => rnn.forward(x, undefined, { mask });
          const { outputs, state } = run();
          const { grads } = tf.variableGrads(() => {
            const out = run();
            return tf.addN([
              tf.sum(tf.mul(out.outputs, t([3, 6, 10], 2))),
              ...out.state.flat().map((s, k) => tf.sum(tf.mul(s, t([3, 5], 3 + k)))),
            ]) as tf.Scalar;
          }, params.variables());
          return [outputs, ...state.flat(), ...params.entries().map(([, v]) => grads[v.name]!)];
        });
      } finally {
        params.dispose();
      }
    }, 2e-4);
  });
});

describe("fused recurrent layers, availability", () => {
  it("are off on backends without the kernels (cpu loops over steps)", async () => {
    await tf.setBackend("cpu");
    expect(rnnSequenceAvailable("lstm")).toBe(false);
    await tf.setBackend("wasm");
  });
});
