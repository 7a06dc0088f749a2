import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "../cells/testing.js";
import { LanguageModel } from "../models/index.js";
import { compareEmbeddings, nearestNeighbours } from "./embeddings.js";

beforeAll(useCpu);

const lm = (tied: boolean, hiddenSize = 6) => new LanguageModel({ vocabSize: 20, cell: "gru", embeddingSize: 6, hiddenSize, layers: 1, dropout: 0, tied }, 3);

describe("embeddings", () => {
  it("nearestNeighbours: by cosine similarity, most similar first, the word itself left out", async () => {
    const m = tf.tensor2d([
      [1, 0],
      [0.9, 0.1],
      [0, 2],
      [-3, 0],
    ]);
    const n = await nearestNeighbours(m, 0, 3);
    expect(n.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(n[0]!.similarity).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 5);
    expect(n[2]!.similarity).toBeCloseTo(-1, 5);
    await expectNoLeak(() => nearestNeighbours(m, 2, 2));
    m.dispose();
  });

  it("tied: neighbours in E only; untied with V = E: the same neighbours, rowCosine 1 and overlap 1", async () => {
    const tied = lm(true);
    const t = await compareEmbeddings(tied, 5, { k: 4 });
    expect([t.tied, t.neighbours.input.length, t.neighbours.output, t.similarity]).toEqual([true, 4, undefined, undefined]);
    const untied = lm(false);
    untied.params.get("decoder.weight").assign(untied.encoder.weight);
    const same = await compareEmbeddings(untied, 5, { k: 4 });
    expect(same.neighbours.output).toEqual(same.neighbours.input);
    expect(same.similarity!.rowCosine).toBeCloseTo(1, 5);
    expect(same.similarity!.neighbourOverlap).toBeCloseTo(1, 5);
    await expectNoLeak(() => compareEmbeddings(untied, 5, { k: 4 }));
    tied.dispose();
    untied.dispose();
  });

  it("untied, as initialised (independent draws): rowCosine near 0, overlap low; no rowCosine when d != H", async () => {
    const untied = lm(false);
    const s = (await compareEmbeddings(untied, 5, { k: 4 })).similarity!;
    expect(Math.abs(s.rowCosine!)).toBeLessThan(0.3);
    expect(s.neighbourOverlap).toBeLessThan(0.5);
    const wide = lm(false, 9);
    const w = (await compareEmbeddings(wide, 5, { k: 4 })).similarity!;
    expect(w.rowCosine).toBeUndefined();
    expect(w).toMatchObject({ k: 4, words: 20 });
    untied.dispose();
    wide.dispose();
  });
});
