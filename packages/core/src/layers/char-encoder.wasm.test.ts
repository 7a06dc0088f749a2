// Character features on wasm, where the char BiLSTM runs through the fused kernels (the whole
// masked sequence in one kernel with the native addon, the fused cell step without it), against
// the stock cpu backend: the representation of a batch with char padding, an empty (padding)
// form and several length groups, and its gradients.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, it } from "vitest";
import { fitCharAlphabet } from "../data/char-alphabet.js";
import { setNativeBlas } from "../kernels/index.js";
import { expectSameOnCpuAndWasm, KERNEL_PATHS, startCpuAndWasm } from "../kernels/testing.js";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import { CharEncoder } from "./char-encoder.js";

beforeAll(startCpuAndWasm);

const alphabet = fitCharAlphabet([["walking", "talked", "Paris", "kicks", "walked", "talking"]]);
const words = [
  ["ab", "walk", "walkingtalkingkicks", "Paris"],
  ["kicks", "a"],
];

describe.each(KERNEL_PATHS)("character features on wasm ($path path)", ({ native, skip, note }) => {
  it.skipIf(skip)(`match cpu: representations and gradients${note}`, async () => {
    setNativeBlas({ enabled: native });
    const params = new Parameters();
    const enc = new CharEncoder(params, { alphabet, embeddingSize: 5, hiddenSize: 4 }, new Rng(3));
    const weights = tf.tensor3d(
      Array.from({ length: 2 * 4 * 8 }, (_, i) => Math.sin(i)),
      [2, 4, 8],
    );
    await expectSameOnCpuAndWasm(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(enc.forward(words, 4), weights)) as tf.Scalar, params.variables());
      return [enc.forward(words, 4), value, ...params.variables().map((v) => grads[v.name]!)];
    });
    weights.dispose();
    params.dispose();
    setNativeBlas({ enabled: true });
  });
});
