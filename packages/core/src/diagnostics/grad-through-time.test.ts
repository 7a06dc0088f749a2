import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "../cells/testing.js";
import type { LayerTap } from "../layers/stacked.js";
import { Classifier, LanguageModel, Tagger } from "../models/index.js";
import { softmaxCrossEntropy } from "../ops/index.js";
import { classifierGradThroughTime, lmGradThroughTime, taggerGradThroughTime } from "./grad-through-time.js";

beforeAll(useCpu);

const ids2d = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length], "int32");

/** L = mean CE at the last position, the value only (for finite differences). */
function lastLoss(m: LanguageModel, ids: tf.Tensor2D, targets: tf.Tensor2D): number {
  return tf.tidy(() => {
    const [B, T] = ids.shape;
    const { logits } = m.forward(ids);
    const last = tf.reshape(tf.slice(logits, [0, T - 1, 0], [B, 1, -1]), [B, -1]) as tf.Tensor2D;
    return softmaxCrossEntropy(last, tf.reshape(tf.slice(targets, [0, T - 1], [B, 1]), [B]) as tf.Tensor1D).dataSync()[0]!;
  });
}

describe("gradThroughTime", () => {
  it.each(["elman", "lstm", "gru"] as const)(
    "%s: ||dL/ds_t|| equals the norm of central finite differences at every position, layer and state",
    async (cell) => {
      const m = new LanguageModel({ vocabSize: 7, cell, embeddingSize: 3, hiddenSize: 3, layers: 2, dropout: 0, tied: false }, 4);
      const ids = ids2d([
        [1, 2, 3, 4],
        [4, 5, 6, 1],
      ]);
      const targets = ids2d([
        [2, 3, 4, 5],
        [5, 6, 1, 2],
      ]);
      const got = await lmGradThroughTime(m, ids, targets);
      const eps = 1e-2;
      const stateSize = cell === "lstm" ? 2 : 1;
      expect(got.rows.map((r) => `${r.layer}${r.state}`)).toEqual(stateSize === 2 ? ["0h", "0c", "1h", "1c"] : ["0h", "1h"]);
      for (const row of got.rows) {
        const k = row.layer;
        for (let t = -1; t < 4; t++) {
          let sq = 0;
          for (let e = 0; e < 3 * 2; e++) {
            // perturb entry e of state j at (layer k, position t) by +-eps, feature-major [H, B]
            const at = (delta: number) => {
              const bump = new Float32Array(6);
              bump[e] = delta;
              const tap: LayerTap = (kk, tt, name, s) =>
                kk === k && tt === t && name === row.state ? (tf.add(s, tf.tensor2d(bump, [3, 2])) as tf.Tensor2D) : s;
              return m.rnn.withTap(tap, () => lastLoss(m, ids, targets));
            };
            sq += ((at(eps) - at(-eps)) / (2 * eps)) ** 2;
          }
          const reported = t < 0 ? row.initial : row.norms[t]!;
          expect(reported).toBeCloseTo(Math.sqrt(sq), 3);
        }
      }
      expect(got.rows[0]!.norms.every((x) => x > 0)).toBe(true);
      await expectNoLeak(() => lmGradThroughTime(m, ids, targets));
      tf.dispose([ids, targets]);
      m.dispose();
    },
  );

  it("the tap adds nothing: the loss with the probes equals the loss without", () => {
    const m = new LanguageModel({ vocabSize: 7, cell: "lstm", embeddingSize: 3, hiddenSize: 3, layers: 1, dropout: 0, tied: false }, 2);
    const ids = ids2d([[1, 2, 3]]);
    const plain = lastLoss(m, ids, ids);
    const tapped = m.rnn.withTap(
      (_k, _t, _name, s) => tf.add(s, 0) as tf.Tensor2D,
      () => lastLoss(m, ids, ids),
    );
    expect(tapped).toBeCloseTo(plain, 6);
    ids.dispose();
    m.dispose();
  });

  it("tagger (bidirectional) and classifier: one row per layer and direction, T positions, no leaks", async () => {
    const tagger = new Tagger({ vocabSize: 10, numTags: 4, cell: "gru", embeddingSize: 4, hiddenSize: 3, layers: 1, bidirectional: true, dropout: 0 }, 1);
    const clf = new Classifier(
      { vocabSize: 10, numClasses: 3, cell: "lstm", embeddingSize: 4, hiddenSize: 3, layers: 2, bidirectional: false, dropout: 0, pooling: "last" },
      1,
    );
    const ids = ids2d([
      [1, 2, 3, 4],
      [5, 6, 0, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ]);
    const labels = tf.tensor1d([0, 2], "int32");
    const t = await taggerGradThroughTime(tagger, ids, ids, mask);
    expect(t.rows.map((r) => [r.layer, r.direction, r.norms.length])).toEqual([
      [0, "forward", 4],
      [0, "backward", 4],
    ]);
    const c = await classifierGradThroughTime(clf, ids, labels, mask);
    expect(c.rows.map((r) => `${r.layer}${r.state}`)).toEqual(["0h", "0c", "1h", "1c"]);
    expect(c.rows[0]!.norms.every((x) => x > 0)).toBe(true);
    await expectNoLeak(() => taggerGradThroughTime(tagger, ids, ids, mask));
    await expectNoLeak(() => classifierGradThroughTime(clf, ids, labels, mask));
    tf.dispose([ids, mask, labels]);
    tagger.dispose();
    clf.dispose();
  });
});
