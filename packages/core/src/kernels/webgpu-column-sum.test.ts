// The language model's decoder projection on webgpu (logits = h V^T + b, models/language-model.ts)
// and the column sums that give its bias gradient (webgpu-column-sum.ts), on the software adapter
// against the stock cpu backend. tfjs-backend-webgpu reads the decoder V [|V|, H] transposed inside
// its matMul programs, forward and backward (no transposed copy: the dispatches are pinned here,
// so one would show); its Sum transposed the whole logits gradient for db until our column sum.
// Skipped, saying why, where that adapter does not start, except in CI (CI=true).
import * as tf from "@tensorflow/tfjs-core";
import { Sum } from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { LanguageModel } from "../models/language-model.js";
import { installKernels, uninstallKernels } from "./registry.js";
import { expectClose, seeded, seededInts } from "./testing.js";
import { webgpuColumnSumOverrides } from "./webgpu-column-sum.js";
import { failInCiUnlessStarted, liveCounts, recordPrograms, startSoftware, use, type Backend } from "./webgpu-testing.js";

const reason = await startSoftware();
const SKIP = reason !== "";
failInCiUnlessStarted(reason);

const t = (shape: number[], seed: number) => tf.tensor(seeded(tf.util.sizeFromShape(shape), seed), shape);

// leading axes summed: rows and columns off the workgroup's 32 x 8, several axes, keepDims, a
// negative axis; then cases the stock kernel keeps (innermost axes, under 32 columns, everything)
const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [37, 45], axis: 0, keepDims: false },
  { shape: [5, 3, 70], axis: [1, 0], keepDims: false },
  { shape: [5, 3, 70], axis: [0, 1], keepDims: true },
  { shape: [2, 33], axis: -2, keepDims: false },
  { shape: [300, 1001], axis: 0, keepDims: false },
  { shape: [37, 45], axis: 1, keepDims: false },
  { shape: [40, 5], axis: 0, keepDims: false },
  { shape: [6, 40], axis: [0, 1], keepDims: false },
];

describe.skipIf(SKIP)(`the decoder projection and its bias gradient on the software adapter${SKIP ? ` (skipped: ${reason})` : ""}`, () => {
  it.each(CASES)("sum of [$shape] over $axis (keepDims $keepDims) is cpu's", async ({ shape, axis, keepDims }) => {
    const sumOn = async (backend: Backend) => {
      await use(backend);
      const s = tf.tidy(() => tf.sum(t(shape, 4), axis, keepDims));
      const out = { shape: s.shape, values: Array.from(await s.data()) };
      s.dispose();
      return out;
    };
    const cpu = await sumOn("cpu");
    const gpu = await sumOn("webgpu");
    expect(gpu.shape).toEqual(cpu.shape);
    expectClose(gpu.values, cpu.values, 1e-5);
  });

  it("the column sum is one dispatch, leaks nothing, and saves the stock kernel's transpose", async () => {
    await use("webgpu");
    const x = t([70, 45], 1);
    tf.sum(x, 0).dispose(); // compiled first
    const before = liveCounts();
    const ours = await recordPrograms(() => tf.sum(x, 0).dispose());
    expect(liveCounts()).toEqual(before);
    uninstallKernels("webgpu", [Sum]); // until use("webgpu") installs ours again
    try {
      const stock = await recordPrograms(() => tf.sum(x, 0).dispose());
      expect(ours.dispatches).toBe(1);
      expect(ours.programs[0]).toMatch(/^unroll_column_sum/);
      expect(stock.dispatches).toBe(2);
      expect(stock.programs.some((k) => k.startsWith("transpose"))).toBe(true);
    } finally {
      installKernels("webgpu", webgpuColumnSumOverrides);
      x.dispose();
    }
  });

  // N 12 hidden states, H 8, |V| 100: the real LanguageModel's decode (and, tied, its embedding)
  for (const tied of [false, true]) {
    it(`decoding${tied ? " with tied weights (dE from the embedding and the decoder)" : ""}: cpu's gradients, without a transposed copy of the decoder or of the logits gradient`, async () => {
      const run = async (backend: Backend) => {
        await use(backend);
        const model = new LanguageModel({ vocabSize: 100, cell: "lstm", embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: 0, tied }, 4);
        const ids = tf.tensor2d(seededInts(12, 100, 3), [1, 12], "int32");
        const h0 = t([12, 8], 5);
        const w = t([12, 100], 6);
        const hidden = () => (tied ? tf.add(h0, tf.reshape(model.encoder.forward(ids), [12, 8])) : h0) as tf.Tensor2D; // [N, H]
        const loss = () => tf.tidy(() => tf.sum(tf.mul(model.decode(hidden(), model.decoderWeight()), w)) as tf.Scalar);
        const wanted = [tied ? "encoder.weight" : "decoder.weight", "decoder.bias"];
        const variables = model.params.entries().filter(([name]) => wanted.includes(name));
        tf.dispose(
          tf.variableGrads(
            loss,
            variables.map(([, v]) => v),
          ),
        ); // compiled first
        const forward = await recordPrograms(() => tf.dispose(loss()));
        let grads: tf.NamedTensorMap = {};
        const both = await recordPrograms(
          () =>
            (grads = tf.variableGrads(
              loss,
              variables.map(([, v]) => v),
            ).grads),
        );
        const values = await Promise.all(variables.map(async ([, v]) => Array.from(await grads[v.name]!.data())));
        tf.dispose([ids, h0, w, grads]);
        model.dispose();
        return { forward, both, values, names: variables.map(([n]) => n) };
      };
      const cpu = await run("cpu");
      const gpu = await run("webgpu");
      expect(gpu.names).toEqual(cpu.names);
      gpu.values.forEach((g, i) => expectClose(g, cpu.values[i]!, 1e-5));
      const keys = (r: { programs: string[] }) => r.programs.map((k) => k.split("_")[0]).join(" ");
      console.log(
        `decode${tied ? " (tied)" : ""}: forward ${gpu.forward.dispatches} dispatches (${keys(gpu.forward)}), forward and backward ${gpu.both.dispatches} (${keys(gpu.both)})`,
      );
      expect(gpu.both.programs.filter((k) => k.startsWith("transpose"))).toEqual([]);
      expect(gpu.forward.programs.filter((k) => k.startsWith("matMul"))).toHaveLength(1);
      expect(gpu.both.programs.filter((k) => k.startsWith("matMul"))).toHaveLength(3); // logits, dh, dV: transposes read in place
      // untied: matMul, the loss's Mul and Sum; backward adds two Muls (the loss's gradient), dh, dV and
      // db (one column sum; stock: a transpose and a reduction). Tied: Gather and an Add first; dE adds
      // the segment sum (two; stock: four) and the Add of its two halves
      expect([gpu.forward.dispatches, gpu.both.dispatches]).toEqual(tied ? [5, 13] : [3, 8]);
    });
  }
});
