import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, randomTensor, useCpu } from "../cells/testing.js";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import { dropout } from "./dropout.js";
import { Embedding } from "./embedding.js";
import { StackedRNN } from "./stacked.js";

beforeAll(useCpu);

describe("layers", () => {
  it("dropout: identity without rng; inverted scaling and reproducible masks with one", () => {
    const x = tf.ones([1000]);
    expect(dropout(x, 0.5)).toBe(x);
    const a = dropout(x, 0.25, new Rng(3)).dataSync();
    expect(Array.from(dropout(x, 0.25, new Rng(3)).dataSync())).toEqual(Array.from(a));
    expect(new Set(a)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    expect(a.filter((v) => v === 0).length / 1000).toBeCloseTo(0.25, 1);
    tf.dispose(x);
  });

  it("embedding rows are e_t = E x_t", () => {
    const params = new Parameters();
    const emb = new Embedding(params, "encoder", 5, 3, new Rng(1));
    const ids = tf.tensor2d([[4, 0]], [1, 2], "int32");
    const out = emb.forward(ids);
    expect(Array.from(out.dataSync().slice(0, 3))).toEqual(Array.from(emb.weight.dataSync().slice(12, 15)));
    tf.dispose([ids, out]);
    params.dispose();
  });

  it("stacked bidirectional RNN: torch names, h_n order, counts, no leaks", async () => {
    const params = new Parameters();
    const config = { cell: "gru" as const, layers: 2, inputSize: 3, hiddenSize: 4, bidirectional: true, dropout: 0.3 };
    const rnn = new StackedRNN(params, config, new Rng(2));
    expect(params.names().filter((n) => n.startsWith("rnn.weight_ih"))).toEqual([
      "rnn.weight_ih_l0",
      "rnn.weight_ih_l0_reverse",
      "rnn.weight_ih_l1",
      "rnn.weight_ih_l1_reverse",
    ]);
    expect(params.get("rnn.weight_ih_l1").shape).toEqual([12, 8]);
    expect(params.count()).toBe(StackedRNN.paramCount(config));
    const x = randomTensor([2, 5, 3], 1) as tf.Tensor3D;
    const { outputs, state } = rnn.forward(x, undefined);
    expect(outputs.shape).toEqual([2, 5, 8]);
    expect(state).toHaveLength(4); // layer 0 fwd, layer 0 bwd, layer 1 fwd, layer 1 bwd
    // the top forward state is the last output's forward half; the top backward state is the first output's backward half
    const o = outputs.arraySync();
    expect(Array.from(state[2]![0]!.dataSync())).toEqual([...o[0]![4]!.slice(0, 4), ...o[1]![4]!.slice(0, 4)]);
    expect(Array.from(state[3]![0]!.dataSync())).toEqual([...o[0]![0]!.slice(4), ...o[1]![0]!.slice(4)]);
    tf.dispose([outputs, state]);
    await expectNoLeak(() => tf.tidy(() => rnn.forward(x, undefined, { rng: new Rng(1), mask: tf.ones([2, 5]) as tf.Tensor2D })));
    x.dispose();
    params.dispose();
  });
});
