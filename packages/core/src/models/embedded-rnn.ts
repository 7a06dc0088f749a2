// The front every model has (J&M 8.3-8.5): token embeddings e_t = E x_t (`encoder.weight`
// [|V|, d]) read by a stacked RNN (`rnn.*`, torch's names), made in this order from one generator.
// Taggers and classifiers may add character features (layers/char-encoder.ts, `chars.*`, made
// between the two): then e_t = [E x_t ; charRep(w_t)] (Lample et al. 2016), of width d + 2 x char hidden.
import * as tf from "@tensorflow/tfjs-core";
import type { Activation } from "../cells/index.js";
import { ConfigError, ShapeError } from "../errors.js";
import { CharEncoder, charSizes, type BatchWords, type CharFeaturesConfig } from "../layers/char-encoder.js";
import { Embedding } from "../layers/embedding.js";
import { StackedRNN } from "../layers/stacked.js";
import { tokenInputSize, type ModelSizes } from "../param-count.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";

/** What every model's config holds. */
export interface RecurrentModelConfig extends ModelSizes {
  activation?: Activation;
  /** Between layers (the language model also drops out embeddings and decoder inputs). */
  dropout: number;
}

/** A tagger's or classifier's config: the recurrent model, optionally with character features. */
export interface WordModelConfig extends RecurrentModelConfig {
  /** Character features (off when absent); forward then needs each token's raw word. */
  chars?: CharFeaturesConfig;
}

/** What a tagger's or classifier's forward takes besides ids and mask. */
export interface WordInputs {
  /** Present only in training: draws dropout masks. */
  rng?: Rng;
  /** The raw tokens behind `ids`, one list per sequence: needed when the model has character features. */
  words?: BatchWords;
}

export interface Front {
  encoder: Embedding;
  chars?: CharEncoder;
  rnn: StackedRNN;
}

export function embeddedRNN(params: Parameters, c: WordModelConfig, rng: Rng, bidirectional = false): Front {
  const encoder = new Embedding(params, "encoder", c.vocabSize, c.embeddingSize, rng);
  const chars = c.chars ? new CharEncoder(params, c.chars, rng) : undefined;
  const inputSize = tokenInputSize({ embeddingSize: c.embeddingSize, chars: c.chars && charSizes(c.chars) });
  const rnn = new StackedRNN(
    params,
    { cell: c.cell, activation: c.activation, layers: c.layers, inputSize, hiddenSize: c.hiddenSize, bidirectional, dropout: c.dropout },
    rng,
  );
  return { encoder, ...(chars ? { chars } : {}), rnn };
}

/** ids int32 [B, T] (and, with character features, the words behind them) -> e_t [B, T, d (+ 2 x char hidden)]. */
export function embedTokens(front: Front, ids: tf.Tensor2D, words: BatchWords | undefined): tf.Tensor3D {
  return tf.tidy(() => {
    const e = front.encoder.forward(ids); // E x_t  [B, T, d]
    if (!front.chars) return e;
    if (!words)
      throw new ConfigError(
        "this model has character features (model.chars) and needs the raw words behind the ids: pass { words } (one list of tokens per sequence) to forward, loss or predict",
        "model.chars",
      );
    if (words.length !== ids.shape[0]) throw new ShapeError(`expected the words of ${ids.shape[0]} sequences (one per row of ids), got ${words.length}`);
    return tf.concat([e, front.chars.forward(words, ids.shape[1])], 2) as tf.Tensor3D; // [E x_t ; charRep(w_t)]  [B, T, d + 2h_c]
  });
}
