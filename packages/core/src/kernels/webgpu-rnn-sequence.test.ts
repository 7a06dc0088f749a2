// The WGSL recurrent layer kernels (webgpu-rnn-sequence.ts: LSTM, GRU, Elman tanh/relu) on the software adapter (Mesa llvmpipe
// through Dawn's OpenGL ES backend) against the stock cpu backend running cells/cell.ts's
// step-by-step textbook loop: outputs, final states and every gradient, with and without a padding
// mask, stacked and bidirectional; no leaks; dispatches per forward and backward counted with and
// without the kernel. Skipped, saying why, where that adapter does not start, except in CI
// (CI=true), which must start it (as backend-webgpu-software.test.ts). Shapes are tiny: llvmpipe is slow.
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { createCell, runCell, type Activation, type CellKind } from "../cells/index.js";
import { StackedRNN } from "../layers/stacked.js";
import { rnnSequenceAvailable } from "../ops/rnn-sequence.js";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import { ElmanSequence, GruSequence, LstmSequence } from "./rnn-sequence.js";
import { installKernels, uninstallKernels } from "./registry.js";
import { expectClose, seeded } from "./testing.js";
import { webgpuRnnSequenceOverrides } from "./webgpu-rnn-sequence.js";
import { failInCiUnlessStarted, recordPrograms, startSoftware, use } from "./webgpu-testing.js";

const reason = await startSoftware();
const SKIP = reason !== "";
const NOTE = SKIP ? ` (skipped: ${reason})` : "";
failInCiUnlessStarted(reason);

const t = (shape: number[], seed: number) =>
  tf.tensor(
    seeded(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

/** Lengths T, T - 2, 1, ... as a [B, T] mask (1 token, 0 padding). */
const maskOf = (B: number, T: number) =>
  tf.tensor2d(
    Array.from({ length: B }, (_, b) => [T, Math.max(1, T - 2), 1][b % 3]!).flatMap((len) => Array.from({ length: T }, (_, i) => (i < len ? 1 : 0))),
    [B, T],
  );

interface Shape {
  B: number;
  T: number;
  I: number;
  H: number;
}

/** A cell kind, with its activation for Elman. */
interface Kind {
  cell: CellKind;
  activation?: Activation;
}
const KINDS: Kind[] = [{ cell: "lstm" }, { cell: "gru" }, { cell: "elman", activation: "tanh" }, { cell: "elman", activation: "relu" }];
const nameOf = ({ cell, activation }: Kind) => (activation ? `${cell} ${activation}` : cell);
const KERNELS: Record<CellKind, string> = { lstm: LstmSequence, gru: GruSequence, elman: ElmanSequence };

/** One layer's outputs, final state and the gradients of x, the initial state and the four weights, read back. */
async function layer({ cell: kind, activation }: Kind, { B, T, I, H }: Shape, masked: boolean): Promise<number[][]> {
  const params = new Parameters();
  const outs = tf.tidy(() => {
    const cell = createCell(kind, params, "rnn.", "_l0", I, H, new Rng(7), activation);
    const x = t([B, T, I], 1) as tf.Tensor3D;
    const s0 = Array.from({ length: cell.stateSize }, (_, k) => t([B, H], 2 + k) as tf.Tensor2D);
    const mask = masked ? maskOf(B, T) : undefined;
    const wOut = t([B, T, H], 4);
    const loss = (...inputs: tf.Tensor[]) => {
      const [xv, ...sv] = inputs as [tf.Tensor3D, ...tf.Tensor2D[]];
      const { outputs, state } = runCell(cell, xv, sv, mask);
      // gradient enters every output and both final states
      return tf.addN([tf.sum(tf.mul(outputs, wOut)), ...state.map((s, k) => tf.sum(tf.mul(s, t([B, H], 5 + k))))]) as tf.Scalar;
    };
    const { outputs, state } = runCell(cell, x, s0, mask);
    const inputGrads = tf.grads(loss)([x, ...s0]);
    const { grads } = tf.variableGrads(() => loss(x, ...s0), params.variables());
    return [outputs, ...state, ...inputGrads, ...params.entries().map(([, v]) => grads[v.name]!)];
  });
  const values = await Promise.all(outs.map(async (o) => Array.from(await o.data())));
  tf.dispose(outs);
  params.dispose();
  return values;
}

/** A 2-layer bidirectional stack with a padded batch: outputs, final states, all weight gradients. */
async function stacked({ cell, activation }: Kind, { B, T, I, H }: Shape): Promise<number[][]> {
  const params = new Parameters();
  const rnn = new StackedRNN(params, { cell, activation, layers: 2, inputSize: I, hiddenSize: H, bidirectional: true }, new Rng(3));
  const x = t([B, T, I], 11) as tf.Tensor3D;
  const mask = maskOf(B, T);
  const wOut = t([B, T, 2 * H], 12);
  const f = () =>
    tf.tidy(() => {
      const { outputs, state } = rnn.forward(x, undefined, { mask });
      return tf.add(tf.sum(tf.mul(outputs, wOut)), tf.sum(tf.stack(state.map((s) => tf.sum(s[0]!))))) as tf.Scalar;
    });
  const { outputs, state } = rnn.forward(x, undefined, { mask });
  const { value, grads } = tf.variableGrads(f, params.variables());
  const outs = [outputs, ...state.flat(), value, ...params.entries().map(([, v]) => grads[v.name]!)];
  const values = await Promise.all(outs.map(async (o) => Array.from(await o.data())));
  tf.dispose([outs, x, mask, wOut]);
  params.dispose();
  return values;
}

function expectAllClose(got: number[][], want: number[][], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => expectClose(g, want[k]!, tol));
}

const SHAPES: Shape[] = [
  { B: 1, T: 1, I: 2, H: 3 },
  { B: 3, T: 5, I: 4, H: 5 },
  { B: 6, T: 4, I: 3, H: 17 }, // two blocks of batch rows (ROWS 4) and of columns (16), the second of each partial
  { B: 9, T: 3, I: 5, H: 37 }, // three of each; the products' k split unevenly among the slices
];

describe.skipIf(SKIP)(`the WGSL recurrent layer kernels on the software adapter${NOTE}`, () => {
  it("are what the cells run on webgpu, and only there", async () => {
    await use("webgpu");
    for (const cell of ["lstm", "gru", "elman"] as const) expect(rnnSequenceAvailable(cell)).toBe(true);
    await use("cpu");
    for (const cell of ["lstm", "gru", "elman"] as const) expect(rnnSequenceAvailable(cell)).toBe(false); // cpu keeps its path
  });

  for (const kind of KINDS) {
    describe(nameOf(kind), () => {
      for (const shape of SHAPES) {
        for (const masked of [false, true]) {
          it(`matches cpu's textbook loop, values and gradients, at B ${shape.B}, T ${shape.T}, I ${shape.I}, H ${shape.H}${masked ? ", padded" : ""}`, async () => {
            await use("cpu");
            const want = await layer(kind, shape, masked);
            await use("webgpu");
            const got = await layer(kind, shape, masked);
            expectAllClose(got, want, 1e-4);
          });
        }
      }

      it("matches cpu in a 2-layer bidirectional stack with padding", async () => {
        const shape = { B: 3, T: 4, I: 3, H: 4 };
        await use("cpu");
        const want = await stacked(kind, shape);
        await use("webgpu");
        const got = await stacked(kind, shape);
        expectAllClose(got, want, 1e-4);
      });

      it("leaks nothing: tensors and GPU buffers are flat across forward and backward passes", async () => {
        await use("webgpu");
        const shape = { B: 2, T: 3, I: 2, H: 3 };
        await layer(kind, shape, true);
        const before = [tf.memory().numTensors, tf.engine().backend.numDataIds()];
        await layer(kind, shape, true);
        expect([tf.memory().numTensors, tf.engine().backend.numDataIds()]).toEqual(before);
      });

      it("runs one dispatch per step forward and backward (counted against the stock path, which still works)", async () => {
        await use("webgpu");
        const shape = { B: 2, T: 6, I: 3, H: 4 };
        const names = [KERNELS[kind.cell], `${KERNELS[kind.cell]}Grad`];
        const counts = async () => {
          await layer(kind, shape, true); // compiled first
          const params = new Parameters();
          const cell = createCell(kind.cell, params, "rnn.", "_l0", shape.I, shape.H, new Rng(7), kind.activation);
          const x = t([shape.B, shape.T, shape.I], 1) as tf.Tensor3D;
          const mask = maskOf(shape.B, shape.T);
          const s0 = Array.from({ length: cell.stateSize }, () => tf.zeros([shape.B, shape.H]) as tf.Tensor2D);
          const loss = () => tf.tidy(() => tf.sum(runCell(cell, x, s0, mask).outputs) as tf.Scalar);
          const forward = (await recordPrograms(() => tf.dispose(loss()))).dispatches;
          const both = (await recordPrograms(() => tf.dispose(tf.variableGrads(loss, params.variables())))).dispatches;
          tf.dispose([x, mask, s0]);
          params.dispose();
          return { forward, backward: both - forward };
        };
        const fused = await counts();
        const fusedValues = await layer(kind, shape, true);
        uninstallKernels("webgpu", names);
        try {
          expect(rnnSequenceAvailable(kind.cell)).toBe(false);
          const stock = await counts();
          expectAllClose(fusedValues, await layer(kind, shape, true), 1e-4);
          console.log(
            `${nameOf(kind)} layer, B ${shape.B} T ${shape.T} H ${shape.H}, padded, sum of outputs: dispatches forward ${fused.forward} fused / ${stock.forward} stock, backward ${fused.backward} fused / ${stock.backward} stock`,
          );
          expect(fused.forward + fused.backward).toBeLessThan((stock.forward + stock.backward) / 3);
        } finally {
          installKernels(
            "webgpu",
            webgpuRnnSequenceOverrides.filter((o) => names.includes(o.kernelName)),
          );
        }
        expect(rnnSequenceAvailable(kind.cell)).toBe(true);
      });
    });
  }
});
