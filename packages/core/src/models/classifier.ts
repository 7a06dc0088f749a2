// Sequence classification (J&M 8.4.2, e.g. sentiment): pool the RNN's hidden states into one
// vector h and classify it with a feed-forward head:  y = softmax(W_2 relu(W_1 h + b_1) + b_2).
// Pooling (J&M fig. 8.9):
//   last: h_n, the state after each sequence's OWN last token (padding does not update the state);
//         bidirectional: [h_n^f ; h_n^b] as torch's h_n (the backward state after reading x_0)
//   mean: (1/n) sum_t h_t over real tokens      max: elementwise max_t h_t over real tokens
// Head names follow torch's nn.Sequential(Linear, ReLU, Dropout, Linear): `head.0.*`, `head.3.*`.
// With character features (config.chars) the RNN reads e_t = [E x_t ; charRep(w_t)] (embedded-rnn.ts).
import * as tf from "@tensorflow/tfjs-core";
import type { CharEncoder } from "../layers/char-encoder.js";
import { charSizes } from "../layers/char-encoder.js";
import type { Embedding } from "../layers/embedding.js";
import { dropout } from "../layers/dropout.js";
import type { StackedRNN } from "../layers/stacked.js";
import { softmaxCrossEntropy } from "../ops/index.js";
import { classifierParamCount } from "../param-count.js";
import { addLinear, linear, Parameters } from "../params.js";
import { Rng } from "../random.js";
import { embeddedRNN, embedTokens, type Front, type WordInputs, type WordModelConfig } from "./embedded-rnn.js";

export type Pooling = "last" | "mean" | "max";

export interface ClassifierConfig extends WordModelConfig {
  numClasses: number;
  bidirectional: boolean;
  pooling: Pooling;
}

export class Classifier {
  readonly params = new Parameters();
  readonly encoder: Embedding;
  readonly chars?: CharEncoder;
  readonly rnn: StackedRNN;
  readonly #front: Front;

  constructor(
    readonly config: ClassifierConfig,
    seed = 0,
  ) {
    const rng = new Rng(seed);
    const front = (this.#front = embeddedRNN(this.params, config, rng, config.bidirectional));
    this.encoder = front.encoder;
    if (front.chars) this.chars = front.chars;
    this.rnn = front.rnn;
    addLinear(this.params, "head.0", rng, this.rnn.outputSize, config.hiddenSize);
    addLinear(this.params, "head.3", rng, config.hiddenSize, config.numClasses);
  }

  static paramCount(c: ClassifierConfig): number {
    return classifierParamCount({ ...c, chars: c.chars && charSizes(c.chars) });
  }

  /** Pooled sequence vectors [B, H * dirs]. */
  encode(ids: tf.Tensor2D, mask: tf.Tensor2D, { rng, words }: WordInputs = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const emb = dropout(embedTokens(this.#front, ids, words), this.config.dropout, rng); // [B, T, d (+ 2h_c)]
      const { outputs, state } = this.rnn.forward(emb, undefined, { mask, rng }); // outputs are 0 at padding
      const m = tf.expandDims(mask, 2); // [B, T, 1]
      switch (this.config.pooling) {
        case "last": {
          const dirs = this.rnn.directions;
          const top = state.slice(state.length - dirs).map((s) => s[0] as tf.Tensor2D); // last layer's h_n per direction
          return tf.concat(top, 1) as tf.Tensor2D; // [B, H * dirs]
        }
        case "mean":
          return tf.div(tf.sum(outputs, 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor2D; // (1/n) sum_t h_t
        case "max":
          return tf.max(tf.add(outputs, tf.mul(tf.sub(m, 1), 1e9)), 1) as tf.Tensor2D; // max_t over real tokens
      }
    });
  }

  /** ids int32 [B, T], mask [B, T] (and with chars the words behind the ids) -> class logits [B, numClasses]. */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D, inputs: WordInputs = {}): tf.Tensor2D {
    const { rng } = inputs;
    return tf.tidy(() => {
      const h = dropout(this.encode(ids, mask, inputs), this.config.dropout, rng);
      const hidden = dropout(tf.relu(linear(this.params, "head.0", h)), this.config.dropout, rng); // relu(W_1 h + b_1)
      return linear(this.params, "head.3", hidden); // W_2 (.) + b_2
    });
  }

  /** Mean cross-entropy over the batch; labels int32 [B]. */
  loss(ids: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor2D, inputs: WordInputs = {}): tf.Scalar {
    return tf.tidy(() => this.lossFromLogits(this.forward(ids, mask, inputs), labels));
  }

  /** Mean cross-entropy of logits [B, C] against labels [B]. */
  lossFromLogits(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    return softmaxCrossEntropy(logits, labels);
  }

  predict(ids: tf.Tensor2D, mask: tf.Tensor2D, { words }: Pick<WordInputs, "words"> = {}): tf.Tensor1D {
    return tf.tidy(() => tf.argMax(this.forward(ids, mask, { words }), 1) as tf.Tensor1D);
  }

  dispose(): void {
    this.params.dispose();
  }
}
