// Embeddings, tied vs untied (issue 15; J&M 8.3: "E and V are quite similar", the argument for
// weight tying, Press & Wolf 2017): a word's nearest neighbours by cosine similarity among the
// rows of the input embedding E [|V|, d] and, in an untied language model, of the output matrix
// V [|V|, H] (decoder.weight), and how alike the two are:
//   rowCosine         mean_i cos(E_i, V_i), when d = H (1 for identical matrices, ~0 for unrelated)
//   neighbourOverlap  mean over the first `words` words of |kNN_E(w) ∩ kNN_V(w)| / k (any d, H)
import * as tf from "@tensorflow/tfjs-core";
import type { LanguageModel } from "../models/language-model.js";

export interface Neighbour {
  id: number;
  similarity: number;
}

export interface EmbeddingComparison {
  tied: boolean;
  /** In E, and (untied) in V. */
  neighbours: { input: Neighbour[]; output?: Neighbour[] };
  /** Untied only. */
  similarity?: { rowCosine?: number; neighbourOverlap: number; k: number; words: number };
}

/** Rows scaled to unit length: X / ||X_i||. */
function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12)) as tf.Tensor2D); // [N, d]
}

/** The `k` rows most like row `id` of `matrix` [N, d] by cosine similarity, most similar first (itself left out). */
export async function nearestNeighbours(matrix: tf.Tensor2D, id: number, k: number): Promise<Neighbour[]> {
  const n = matrix.shape[0];
  const top = tf.tidy(() => {
    const u = unitRows(matrix);
    const sims = tf.reshape(tf.matMul(tf.slice(u, [id, 0], [1, -1]), u, false, true), [n]); // cos(x_id, x_j)  [N]
    const { values, indices } = tf.topk(sims, Math.min(k + 1, n));
    return [values, indices];
  });
  const [values, indices] = await Promise.all(top.map((t) => t.data()));
  tf.dispose(top);
  return Array.from(indices!)
    .flatMap((j, r) => (j === id ? [] : [{ id: j, similarity: values![r] as number }]))
    .slice(0, k);
}

/** Each of the first `words` rows' k nearest neighbours among those rows (itself left out). */
async function neighbourSets(matrix: tf.Tensor2D, words: number, k: number): Promise<Set<number>[]> {
  const idx = tf.tidy(() => {
    const u = unitRows(tf.slice(matrix, [0, 0], [words, -1]) as tf.Tensor2D); // [W, d]
    const sims = tf.sub(tf.matMul(u, u, false, true), tf.mul(tf.eye(words), 10)); // self pushed last  [W, W]
    return tf.topk(sims, k).indices; // [W, k]
  });
  const flat = await idx.data();
  idx.dispose();
  return Array.from({ length: words }, (_, i) => new Set(Array.from(flat.subarray(i * k, (i + 1) * k))));
}

/** Word `id`'s neighbours in E and V, and how alike E and V are (over the first `words` ids). */
export async function compareEmbeddings(
  model: LanguageModel,
  id: number,
  { k = 10, words = 1000 }: { k?: number; words?: number } = {},
): Promise<EmbeddingComparison> {
  const E = model.encoder.weight as tf.Tensor2D; // [|V|, d]
  const input = await nearestNeighbours(E, id, k);
  if (model.config.tied) return { tied: true, neighbours: { input } };
  const V = model.params.get("decoder.weight") as tf.Tensor2D; // [|V|, H]
  const output = await nearestNeighbours(V, id, k);
  const W = Math.min(words, E.shape[0]);
  const kk = Math.min(k, W - 1);
  const [inE, inV] = [await neighbourSets(E, W, kk), await neighbourSets(V, W, kk)];
  const neighbourOverlap = inE.reduce((a, s, i) => a + [...s].filter((j) => inV[i]!.has(j)).length / kk, 0) / W;
  let rowCosine: number | undefined;
  if (E.shape[1] === V.shape[1]) {
    const c = tf.tidy(() => tf.mean(tf.sum(tf.mul(unitRows(E), unitRows(V)), 1))); // mean_i cos(E_i, V_i)
    rowCosine = (await c.data())[0];
    c.dispose();
  }
  return { tied: false, neighbours: { input, output }, similarity: { ...(rowCosine !== undefined ? { rowCosine } : {}), neighbourOverlap, k: kk, words: W } };
}
