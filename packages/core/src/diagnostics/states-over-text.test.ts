import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "../cells/testing.js";
import { Classifier, LanguageModel, Tagger } from "../models/index.js";
import { statesOverText } from "./states-over-text.js";

beforeAll(useCpu);

const ids = [3, 1, 4, 1, 5];
const x = () => tf.tensor2d([ids], [1, ids.length], "int32");
const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));

describe("statesOverText", () => {
  it("lstm LM: a unit's h and c read from the view equal the model's own forward; i at t=0 is sigma(W_i x_0 + b_i)", async () => {
    const m = new LanguageModel({ vocabSize: 7, cell: "lstm", embeddingSize: 3, hiddenSize: 4, layers: 2, dropout: 0, tied: false }, 2);
    const view = await statesOverText(m, ids, { topK: 3 });
    expect(view.traces.map((t) => `${t.layer}${t.name}`)).toEqual(["0h", "0c", "0i", "0f", "0g", "0o", "1h", "1c", "1i", "1f", "1g", "1o"]);
    const h1 = view.traces.find((t) => t.layer === 1 && t.name === "h")!;
    expect([h1.values.length, h1.values[0]!.length]).toEqual([4, 5]); // units x tokens
    // the model's own forward (the fast path): the top layer's outputs and every layer's final c
    const own = tf.tidy(() => m.rnn.forward(m.encoder.forward(x()), undefined));
    const outputs = (await own.outputs.array())[0]!; // [T, H]
    for (let u = 0; u < 4; u++)
      close(
        h1.values[u]!,
        outputs.map((row) => row[u]!),
      );
    for (const layer of [0, 1]) {
      const c = view.traces.find((t) => t.layer === layer && t.name === "c")!;
      close(
        c.values.map((unit) => unit[4]!),
        Array.from(own.state[layer]![1]!.dataSync()),
      );
    }
    const i0 = tf.tidy(() => {
      const e = tf.reshape(tf.slice(m.encoder.forward(x()), [0, 0, 0], [1, 1, 3]), [1, 3]);
      const w = tf.slice(m.params.get("rnn.weight_ih_l0"), [0, 0], [4, 3]); // W_ii
      const b = tf.add(tf.slice(m.params.get("rnn.bias_ih_l0"), [0], [4]), tf.slice(m.params.get("rnn.bias_hh_l0"), [0], [4]));
      return Array.from(tf.sigmoid(tf.add(tf.matMul(e, w, false, true), b)).dataSync());
    });
    close(
      view.traces.find((t) => t.layer === 0 && t.name === "i")!.values.map((unit) => unit[0]!),
      i0,
    );
    tf.dispose(own);
    m.dispose();
  });

  it("lm: the top-k next tokens at each position are the softmax's largest, in order", async () => {
    const m = new LanguageModel({ vocabSize: 7, cell: "elman", embeddingSize: 3, hiddenSize: 3, layers: 1, dropout: 0, tied: false }, 4);
    const view = await statesOverText(m, ids, { topK: 3 });
    const probs = tf.tidy(() => tf.softmax(m.forward(x()).logits).arraySync()[0]!);
    expect(view.next).toHaveLength(5);
    view.next!.forEach((row, t) => {
      const best = [...probs[t]!.keys()].sort((a, b) => probs[t]![b]! - probs[t]![a]!).slice(0, 3);
      expect(row.map((n) => n.id)).toEqual(best);
      close(
        row.map((n) => n.p),
        best.map((id) => probs[t]![id]!),
      );
    });
    await expectNoLeak(() => statesOverText(m, ids, { topK: 3 }));
    m.dispose();
  });

  it("bidirectional GRU tagger: the backward h at position t is the layer output's second half there; gates r, z, n; classifier too; no leaks", async () => {
    const tagger = new Tagger({ vocabSize: 7, numTags: 3, cell: "gru", embeddingSize: 3, hiddenSize: 2, layers: 1, bidirectional: true, dropout: 0 }, 1);
    const view = await statesOverText(tagger, ids);
    expect(view.next).toBeUndefined();
    expect(view.traces.map((t) => `${t.direction[0]}${t.name}`)).toEqual(["fh", "fr", "fz", "fn", "bh", "br", "bz", "bn"]);
    const out = tf.tidy(() => tagger.rnn.forward(tagger.encoder.forward(x()), undefined).outputs.arraySync()[0]!); // [T, 2H]
    const back = view.traces.find((t) => t.direction === "backward" && t.name === "h")!;
    for (let u = 0; u < 2; u++)
      close(
        back.values[u]!,
        out.map((row) => row[2 + u]!),
      );
    const clf = new Classifier(
      { vocabSize: 7, numClasses: 2, cell: "lstm", embeddingSize: 3, hiddenSize: 2, layers: 1, bidirectional: false, dropout: 0, pooling: "mean" },
      1,
    );
    expect((await statesOverText(clf, ids)).traces).toHaveLength(6);
    await expectNoLeak(() => statesOverText(tagger, ids));
    await expectNoLeak(() => statesOverText(clf, ids));
    tagger.dispose();
    clf.dispose();
  });
});
