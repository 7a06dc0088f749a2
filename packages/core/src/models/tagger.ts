// Sequence labelling (J&M 8.4.1, POS tagging / NER): a (bi)RNN reads the sentence and a softmax
// over the tag set reads each hidden state:  y_t = softmax(V h_t + b),  h_t = [h_t^f ; h_t^b] when bidirectional.
// Loss: mean cross-entropy over real tokens only (padding masked out). With character features
// (config.chars) the RNN reads e_t = [E x_t ; charRep(w_t)] (Lample et al. 2016; embedded-rnn.ts).
import * as tf from "@tensorflow/tfjs-core";
import type { CharEncoder } from "../layers/char-encoder.js";
import { charSizes } from "../layers/char-encoder.js";
import type { Embedding } from "../layers/embedding.js";
import { dropout } from "../layers/dropout.js";
import type { StackedRNN } from "../layers/stacked.js";
import { softmaxCrossEntropy } from "../ops/index.js";
import { taggerParamCount } from "../param-count.js";
import { addLinear, linear, Parameters } from "../params.js";
import { Rng } from "../random.js";
import { embeddedRNN, embedTokens, type Front, type WordInputs, type WordModelConfig } from "./embedded-rnn.js";

export interface TaggerConfig extends WordModelConfig {
  numTags: number;
  bidirectional: boolean;
}

export class Tagger {
  readonly params = new Parameters();
  readonly encoder: Embedding;
  readonly chars?: CharEncoder;
  readonly rnn: StackedRNN;
  readonly #front: Front;

  constructor(
    readonly config: TaggerConfig,
    seed = 0,
  ) {
    const rng = new Rng(seed);
    const front = (this.#front = embeddedRNN(this.params, config, rng, config.bidirectional));
    this.encoder = front.encoder;
    if (front.chars) this.chars = front.chars;
    this.rnn = front.rnn;
    addLinear(this.params, "decoder", rng, this.rnn.outputSize, config.numTags); // V [numTags, H * dirs]
  }

  static paramCount(c: TaggerConfig): number {
    return taggerParamCount({ ...c, chars: c.chars && charSizes(c.chars) });
  }

  /** ids int32 [B, T], mask [B, T] (and with chars the words behind the ids) -> tag logits [B, T, numTags]. */
  forward(ids: tf.Tensor2D, mask?: tf.Tensor2D, { rng, words }: WordInputs = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      const p = this.config.dropout;
      const emb = dropout(embedTokens(this.#front, ids, words), p, rng); // [B, T, d (+ 2h_c)]
      const h = dropout(this.rnn.forward(emb, undefined, { mask, rng }).outputs, p, rng); // [B, T, H * dirs]
      const logits = linear(this.params, "decoder", tf.reshape(h, [B * T, -1])); // V h_t + b  [B*T, numTags]
      return tf.reshape(logits, [B, T, -1]) as tf.Tensor3D;
    });
  }

  /** Mean cross-entropy over the tokens where mask = 1. tags int32 [B, T]. */
  loss(ids: tf.Tensor2D, tags: tf.Tensor2D, mask: tf.Tensor2D, inputs: WordInputs = {}): tf.Scalar {
    return tf.tidy(() => this.lossFromLogits(this.forward(ids, mask, inputs), tags, mask));
  }

  /** Masked mean cross-entropy of logits [B, T, K] against tags [B, T]. */
  lossFromLogits(logits: tf.Tensor3D, tags: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const [B, T, K] = logits.shape;
      return softmaxCrossEntropy(tf.reshape(logits, [B * T, K]), tf.reshape(tags, [B * T]), tf.reshape(mask, [B * T]));
    });
  }

  /** Most likely tag per position (argmax of y_t), int32 [B, T]. */
  predict(ids: tf.Tensor2D, mask?: tf.Tensor2D, { words }: Pick<WordInputs, "words"> = {}): tf.Tensor2D {
    return tf.tidy(() => tf.argMax(this.forward(ids, mask, { words }), 2) as tf.Tensor2D);
  }

  dispose(): void {
    this.params.dispose();
  }
}
