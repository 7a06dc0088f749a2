import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { checkGradients, expectNoLeak, randomTensor, useCpu } from "../cells/testing.js";
import { CHAR_SPECIALS, charsOf, fitCharAlphabet } from "../data/char-alphabet.js";
import { Vocabulary } from "../data/vocabulary.js";
import { ConfigError } from "../errors.js";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import { CharEncoder, groupByLength, spellBatch, type CharFeaturesConfig } from "./char-encoder.js";

beforeAll(useCpu);

const alphabet = fitCharAlphabet([
  ["walking", "talked", "Paris", "kicks"],
  ["walked", "talking"],
]);
const config: CharFeaturesConfig = { alphabet, embeddingSize: 4, hiddenSize: 3 };
const make = (seed = 1) => {
  const params = new Parameters();
  return { params, enc: new CharEncoder(params, config, new Rng(seed)) };
};

// Plain-JS float64 reference, written from torch's nn.LSTM equations (gates i, f, g, o):
// charRep(w) = [h_n^f ; h_1^b], the forward LSTM over c_1..c_n and the backward one over c_n..c_1.
function referenceRep(params: Parameters, word: string): number[] {
  const v = new Vocabulary(alphabet, CHAR_SPECIALS);
  const C = params.get("chars.embedding.weight").arraySync() as number[][];
  const xs = v.encode([...word]).map((id) => C[id]!);
  const run = (suffix: string, seq: number[][]) => {
    const W = params.get(`chars.rnn.weight_ih${suffix}`).arraySync() as number[][];
    const U = params.get(`chars.rnn.weight_hh${suffix}`).arraySync() as number[][];
    const b1 = params.get(`chars.rnn.bias_ih${suffix}`).arraySync() as number[];
    const b2 = params.get(`chars.rnn.bias_hh${suffix}`).arraySync() as number[];
    const H = U[0]!.length;
    let h = new Array<number>(H).fill(0),
      c = new Array<number>(H).fill(0);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    for (const x of seq) {
      const z = W.map((row, r) => row.reduce((s, w, j) => s + w * x[j]!, 0) + U[r]!.reduce((s, u, j) => s + u * h[j]!, 0) + b1[r]! + b2[r]!);
      const gate = (k: number, j: number) => z[k * H + j]!;
      c = c.map((cj, j) => sig(gate(1, j)) * cj + sig(gate(0, j)) * Math.tanh(gate(2, j)));
      h = c.map((cj, j) => sig(gate(3, j)) * Math.tanh(cj));
    }
    return h;
  };
  return [...run("_l0", xs), ...run("_l0_reverse", [...xs].reverse())];
}

describe("character features", () => {
  it("the alphabet: specials first, characters by count, once-seen characters left to <unk>", () => {
    expect(alphabet.slice(0, 2)).toEqual(["<pad>", "<unk>"]);
    expect(alphabet).toContain("a");
    expect(alphabet).not.toContain("P"); // seen once: <unk>, so that <unk>'s row is trained
    expect(fitCharAlphabet([["😀😀"]])).toEqual(["<pad>", "<unk>", "😀"]); // code points, not UTF-16 halves
    expect(charsOf(`${"a".repeat(30)}${"b".repeat(30)}`).join("")).toBe(`${"a".repeat(20)}${"b".repeat(20)}`); // a long word: its ends
  });

  it("spells each distinct form once; padding is form 0; unknown characters are <unk>", () => {
    const v = new Vocabulary(alphabet, CHAR_SPECIALS);
    const s = spellBatch(v, [["walked", "Zed", "walked"], ["ab"]], 3);
    expect(s.count).toBe(4); // "", walked, Zed, ab
    expect(s.length).toBe(6);
    expect(Array.from(s.forms)).toEqual([1, 2, 1, 3, 0, 0]);
    expect(Array.from(s.chars.subarray(12, 15))).toEqual([1, v.idOf("e"), v.idOf("d")]); // Z is unknown
    expect(Array.from(s.mask.subarray(12, 18))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(Array.from(s.mask.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    // grouped by length: "", Zed, ab (at most 4) then walked (at most 8), each group padded to its own longest
    const { groups, rowOf } = groupByLength(s);
    expect(groups.map((g) => [g.count, g.length])).toEqual([
      [3, 3],
      [1, 6],
    ]);
    expect(Array.from(rowOf)).toEqual([0, 3, 1, 2]);
    expect(Array.from(groups[0]!.chars.subarray(3, 6))).toEqual(Array.from(s.chars.subarray(12, 15))); // Zed
  });

  it("torch names and exact parameter count; refuses an alphabet without its specials", () => {
    const { params, enc } = make();
    expect(params.names()).toEqual([
      "chars.embedding.weight",
      "chars.rnn.weight_ih_l0",
      "chars.rnn.weight_hh_l0",
      "chars.rnn.bias_ih_l0",
      "chars.rnn.bias_hh_l0",
      "chars.rnn.weight_ih_l0_reverse",
      "chars.rnn.weight_hh_l0_reverse",
      "chars.rnn.bias_ih_l0_reverse",
      "chars.rnn.bias_hh_l0_reverse",
    ]);
    expect(params.count()).toBe(CharEncoder.paramCount(config));
    expect(enc.outputSize).toBe(6);
    params.dispose();
    expect(() => new CharEncoder(new Parameters(), { ...config, alphabet: ["a", "b"] }, new Rng(1))).toThrow(ConfigError);
  });

  it("charRep(w) = [h_n^f ; h_1^b] matches a float64 reference of torch's LSTM", () => {
    const { params, enc } = make(3);
    const words = [["walking", "Paris"], ["kicks"]];
    const rep = enc.forward(words, 2).arraySync(); // [2, 2, 6]
    for (const [b, t, w] of [
      [0, 0, "walking"],
      [0, 1, "Paris"],
      [1, 0, "kicks"],
    ] as const)
      rep[b]![t]!.forEach((x, j) => expect(x).toBeCloseTo(referenceRep(params, w)[j]!, 5));
    expect(rep[1]![1]).toEqual([0, 0, 0, 0, 0, 0]); // padding: zeros
    params.dispose();
  });

  it("char padding does not change a word's representation (a short word beside a long one = alone)", () => {
    const { params, enc } = make(4);
    const alone = enc.forward([["ab"]], 1).dataSync();
    const beside = enc.forward([["ab", "walk", "walkingtalkingkicks"]], 3).arraySync()[0]![0]!; // padded to 4 in its group, to 19 were it not grouped
    beside.forEach((x, j) => expect(x).toBeCloseTo(alone[j]!, 6));
    params.dispose();
  });

  it("gradients match finite differences", () => {
    const { params, enc } = make(5);
    const r = randomTensor([2, 3, 6], 9);
    const loss = () => tf.tidy(() => tf.sum(tf.mul(enc.forward([["walked", "kicks", "walked"], ["Paris"]], 3), r)) as tf.Scalar);
    checkGradients(loss, params.variables(), { perVar: 4 });
    // a batch of one-character words runs the char LSTM one step (tfjs's Unpack gradient fails on one: cells/cell.ts)
    checkGradients(() => tf.tidy(() => tf.sum(tf.mul(enc.forward([["a", "l", "a"], ["k"]], 3), r)) as tf.Scalar), params.variables(), { perVar: 2 });
    r.dispose();
    params.dispose();
  });

  it("does not leak tensors", async () => {
    const { params, enc } = make(6);
    await expectNoLeak(() => enc.forward([["walked", "kicks"], ["Paris"]], 2));
    await expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(enc.forward([["walked"]], 1)) as tf.Scalar, params.variables());
      return [value, grads];
    });
    params.dispose();
  });
});
