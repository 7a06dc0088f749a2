// Pretrained word vectors for a vocabulary (GloVe, word2vec): which of its words a vectors file
// covers, found as written or, failing that, lowercased (GloVe's 6B and 42B vectors are lowercase).
// The other rows of E keep their random initialisation; specials (<pad>, <unk>, ...) always do.
import { ConfigError } from "../errors.js";
import type { Vocabulary } from "./vocabulary.js";
import { readVectors } from "./vectors-reader.js";

export interface VectorCoverage {
  file: string;
  /** Vocabulary words, specials not counted. */
  words: number;
  /** Of those, found in the file as written. */
  exact: number;
  /** Found only lowercased. */
  lowercased: number;
}

/** Rows of E (token id -> vector) from `file` for `vocabulary`; throws ConfigError when d differs. */
export async function pretrainedRows(
  file: string,
  vocabulary: Vocabulary,
  embeddingSize: number,
): Promise<{ rows: Map<number, Float32Array>; coverage: VectorCoverage }> {
  const specials = new Set(vocabulary.specials);
  const words = vocabulary.tokens.filter((t) => !specials.has(t));
  const wanted = new Set(words.flatMap((w) => [w, w.toLowerCase()]));
  const { dim, vectors } = await readVectors({ path: file }, (w) => wanted.has(w));
  if (dim !== embeddingSize) {
    throw new ConfigError(
      `the vectors in ${file} have ${dim} numbers, the model's embeddings ${embeddingSize}: set model.embeddingSize=${dim} (and hiddenSize=${dim} if tied)`,
      "model.embeddingSize",
    );
  }
  const rows = new Map<number, Float32Array>();
  let exact = 0;
  let lowercased = 0;
  for (const w of words) {
    const v = vectors.get(w) ?? vectors.get(w.toLowerCase());
    if (!v) continue;
    if (vectors.has(w)) exact++;
    else lowercased++;
    rows.set(vocabulary.idOf(w), v);
  }
  return { rows, coverage: { file, words: words.length, exact, lowercased } };
}

/** "vectors: 9,876 of 12,000 vocabulary words (82.3%, 1,234 of them lowercased) from glove.txt; the rest start random". */
export function describeCoverage(c: VectorCoverage): string {
  const found = c.exact + c.lowercased;
  const share = c.words ? ((100 * found) / c.words).toFixed(1) : "0.0";
  const lower = c.lowercased ? `, ${c.lowercased.toLocaleString("en-US")} of them lowercased` : "";
  return `vectors: ${found.toLocaleString("en-US")} of ${c.words.toLocaleString("en-US")} vocabulary words (${share}%${lower}) from ${c.file}; the rest start random`;
}
