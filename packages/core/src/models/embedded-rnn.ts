// The front every model has (J&M 8.3-8.5): token embeddings e_t = E x_t (`encoder.weight`
// [|V|, d]) read by a stacked RNN (`rnn.*`, torch's names), made in this order from one generator.
import type { Activation } from "../cells/index.js";
import { Embedding } from "../layers/embedding.js";
import { StackedRNN } from "../layers/stacked.js";
import type { ModelSizes } from "../param-count.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";

/** What every model's config holds. */
export interface RecurrentModelConfig extends ModelSizes {
  activation?: Activation;
  /** Between layers (the language model also drops out embeddings and decoder inputs). */
  dropout: number;
}

export function embeddedRNN(params: Parameters, c: RecurrentModelConfig, rng: Rng, bidirectional = false): { encoder: Embedding; rnn: StackedRNN } {
  const encoder = new Embedding(params, "encoder", c.vocabSize, c.embeddingSize, rng);
  const rnn = new StackedRNN(
    params,
    { cell: c.cell, activation: c.activation, layers: c.layers, inputSize: c.embeddingSize, hiddenSize: c.hiddenSize, bidirectional, dropout: c.dropout },
    rng,
  );
  return { encoder, rnn };
}
