// Sequence labelling (J&M 8.4.1, POS tagging / NER): a (bi)RNN reads the sentence and a softmax
// over the tag set reads each hidden state:  y_t = softmax(V h_t + b),  h_t = [h_t^f ; h_t^b] when bidirectional.
// Loss: mean cross-entropy over real tokens only (padding masked out).
import * as tf from "@tensorflow/tfjs-core";
import type { Activation, CellKind } from "../cells/index.js";
import { Embedding } from "../layers/embedding.js";
import { dropout } from "../layers/dropout.js";
import { StackedRNN } from "../layers/stacked.js";
import { softmaxCrossEntropy } from "../ops/index.js";
import { taggerParamCount } from "../param-count.js";
import { addLinear, linear, Parameters } from "../params.js";
import { Rng } from "../random.js";

export interface TaggerConfig {
  vocabSize: number;
  numTags: number;
  cell: CellKind;
  activation?: Activation;
  embeddingSize: number;
  hiddenSize: number;
  layers: number;
  bidirectional: boolean;
  dropout: number;
}

export class Tagger {
  readonly params = new Parameters();
  readonly encoder: Embedding;
  readonly rnn: StackedRNN;

  constructor(
    readonly config: TaggerConfig,
    seed = 0,
  ) {
    const rng = new Rng(seed);
    const { vocabSize, numTags, cell, activation, embeddingSize, hiddenSize, layers, bidirectional } = config;
    this.encoder = new Embedding(this.params, "encoder", vocabSize, embeddingSize, rng);
    this.rnn = new StackedRNN(this.params, { cell, activation, layers, inputSize: embeddingSize, hiddenSize, bidirectional, dropout: config.dropout }, rng);
    addLinear(this.params, "decoder", rng, this.rnn.outputSize, numTags); // V [numTags, H * dirs]
  }

  static paramCount(c: TaggerConfig): number {
    return taggerParamCount(c);
  }

  /** ids int32 [B, T], mask [B, T] -> tag logits [B, T, numTags]. */
  forward(ids: tf.Tensor2D, mask?: tf.Tensor2D, rng?: Rng): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      const p = this.config.dropout;
      const emb = dropout(this.encoder.forward(ids), p, rng); // [B, T, d]
      const h = dropout(this.rnn.forward(emb, undefined, { mask, rng }).outputs, p, rng); // [B, T, H * dirs]
      const logits = linear(this.params, "decoder", tf.reshape(h, [B * T, -1])); // V h_t + b  [B*T, numTags]
      return tf.reshape(logits, [B, T, -1]) as tf.Tensor3D;
    });
  }

  /** Mean cross-entropy over the tokens where mask = 1. tags int32 [B, T]. */
  loss(ids: tf.Tensor2D, tags: tf.Tensor2D, mask: tf.Tensor2D, rng?: Rng): tf.Scalar {
    return tf.tidy(() => this.lossFromLogits(this.forward(ids, mask, rng), tags, mask));
  }

  /** Masked mean cross-entropy of logits [B, T, K] against tags [B, T]. */
  lossFromLogits(logits: tf.Tensor3D, tags: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const [B, T, K] = logits.shape;
      return softmaxCrossEntropy(tf.reshape(logits, [B * T, K]), tf.reshape(tags, [B * T]), tf.reshape(mask, [B * T]));
    });
  }

  /** Most likely tag per position (argmax of y_t), int32 [B, T]. */
  predict(ids: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.argMax(this.forward(ids, mask), 2) as tf.Tensor2D);
  }

  dispose(): void {
    this.params.dispose();
  }
}
