// Parameter counts of the models, from their sizes alone: no TensorFlow.js, so the config schema
// (and the web form) can size a model before anything is built. The models' static paramCount
// methods are these functions; models.test.ts checks them against built models.
import type { CellKind } from "./cells/cell.js";

/** Stacked gate blocks of a cell: 4 for an LSTM, 3 for a GRU, 1 for an Elman RNN. */
export function gatesOf(kind: CellKind): number {
  return kind === "lstm" ? 4 : kind === "gru" ? 3 : 1;
}

/** Number of scalars in one cell (the same count as torch: W_ih, W_hh and two biases). */
export function cellParamCount(kind: CellKind, inputSize: number, hiddenSize: number): number {
  const g = gatesOf(kind);
  return g * hiddenSize * (inputSize + hiddenSize + 2);
}

export interface StackedSizes {
  cell: CellKind;
  layers: number;
  inputSize: number;
  hiddenSize: number;
  bidirectional?: boolean;
}

/** Every layer (and direction) of a stacked RNN; layer k > 0 reads the states of layer k - 1. */
export function stackedParamCount(c: StackedSizes): number {
  const dirs = c.bidirectional ? 2 : 1;
  let n = 0;
  for (let k = 0; k < c.layers; k++) n += dirs * cellParamCount(c.cell, k === 0 ? c.inputSize : c.hiddenSize * dirs, c.hiddenSize);
  return n;
}

/** The sizes every model has: vocabulary, cell, embedding width, state width, layers. */
export interface ModelSizes {
  vocabSize: number;
  cell: CellKind;
  embeddingSize: number;
  hiddenSize: number;
  layers: number;
}

/** Character features' sizes (layers/char-encoder.ts): alphabet (its 2 specials included), char embedding, LSTM state per direction. */
export interface CharSizes {
  alphabetSize: number;
  embeddingSize: number;
  hiddenSize: number;
}

/** The char embedding `chars.embedding.weight` and the one-layer char BiLSTM `chars.rnn.*`. */
export function charParamCount(c: CharSizes): number {
  return (
    c.alphabetSize * c.embeddingSize + stackedParamCount({ cell: "lstm", layers: 1, inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, bidirectional: true })
  );
}

/** What the sentence RNN reads per token: e_t = [E x_t ; charRep(w_t)], d + 2 x char hidden. */
export function tokenInputSize(c: { embeddingSize: number; chars?: CharSizes | undefined }): number {
  return c.embeddingSize + (c.chars ? 2 * c.chars.hiddenSize : 0);
}

/** The front of a tagger or classifier: E, the char features, the stacked RNN over [E x_t ; charRep]. */
function frontParamCount(c: ModelSizes & { bidirectional: boolean; chars?: CharSizes | undefined }): number {
  const chars = c.chars ? charParamCount(c.chars) : 0;
  return c.vocabSize * c.embeddingSize + chars + stackedParamCount({ ...c, inputSize: tokenInputSize(c) });
}

/** Untied = tied + |V| x H (a tied model has H = d: models/tying.ts). */
export function languageModelParamCount(c: ModelSizes & { tied: boolean }): number {
  const { vocabSize: V, embeddingSize: d, hiddenSize: H } = c;
  const rnn = stackedParamCount({ cell: c.cell, layers: c.layers, inputSize: d, hiddenSize: H });
  const decoder = c.tied ? 0 : V * H;
  return V * d + rnn + decoder + V;
}

/** Embedding (and char features), the stacked RNN, and a linear layer to the tags. */
export function taggerParamCount(c: ModelSizes & { numTags: number; bidirectional: boolean; chars?: CharSizes | undefined }): number {
  const out = c.hiddenSize * (c.bidirectional ? 2 : 1);
  return frontParamCount(c) + c.numTags * (out + 1);
}

/** Embedding (and char features), the stacked RNN, a hidden layer over the pooled states, and the output layer. */
export function classifierParamCount(c: ModelSizes & { numClasses: number; bidirectional: boolean; chars?: CharSizes | undefined }): number {
  const out = c.hiddenSize * (c.bidirectional ? 2 : 1);
  return frontParamCount(c) + c.hiddenSize * (out + 1) + c.numClasses * (c.hiddenSize + 1);
}
