// RNN language model, J&M 8.3 / pytorch/examples word_language_model `RNNModel`:
//   e_t = E x_t,   h_t = RNN(h_{t-1}, e_t),   y_t = softmax(V h_t + b)
// trained with teacher forcing (the input at t is the true token) on mean cross-entropy.
// Weight tying (Press & Wolf 2017; Inan et al. 2016): V = E, i.e. the decoder reuses the [|V|, d]
// embedding matrix, saving |V| x d parameters; it needs H = d (models/tying.ts, the config's rule too).
import * as tf from "@tensorflow/tfjs-core";
import { ConfigError } from "../errors.js";
import type { Embedding } from "../layers/embedding.js";
import { dropout } from "../layers/dropout.js";
import type { RNNState } from "../layers/stacked.js";
import type { StackedRNN } from "../layers/stacked.js";
import { softmaxCrossEntropy } from "../ops/index.js";
import { languageModelParamCount } from "../param-count.js";
import { Parameters, uniformInit } from "../params.js";
import { Rng } from "../random.js";
import { embeddedRNN, type RecurrentModelConfig } from "./embedded-rnn.js";
import { tyingIssue } from "./tying.js";

export interface LanguageModelConfig extends RecurrentModelConfig {
  /** On embeddings, between layers and before the decoder (as word_language_model). */
  dropout: number;
  tied: boolean;
}

export class LanguageModel {
  readonly params = new Parameters();
  readonly encoder: Embedding;
  readonly rnn: StackedRNN;

  constructor(
    readonly config: LanguageModelConfig,
    seed = 0,
  ) {
    const { vocabSize: V, hiddenSize: H, layers } = config;
    if (layers < 1) throw new ConfigError(`need at least 1 layer, got ${layers}`, "model.layers");
    const tying = tyingIssue(config);
    if (tying) throw new ConfigError(tying, "model.tied");
    const rng = new Rng(seed);
    const front = embeddedRNN(this.params, config, rng);
    this.encoder = front.encoder;
    this.rnn = front.rnn;
    if (!config.tied) this.params.add("decoder.weight", uniformInit(rng, [V, H], 0.1)); // word_language_model init
    this.params.add("decoder.bias", tf.zeros([V]));
  }

  /** Exact parameter count: untied = tied + |V| x H. */
  static paramCount(c: LanguageModelConfig): number {
    return languageModelParamCount(c);
  }

  /** The decoder matrix [|V|, H]: V = E when tied (Press & Wolf 2017), else its own. */
  decoderWeight(): tf.Tensor2D {
    return (this.config.tied ? this.encoder.weight : this.params.get("decoder.weight")) as tf.Tensor2D; // V = E
  }

  /**
   * Hidden states [N, H] -> logits [N, |V|] with the decoder V [|V|, H]. The product uses
   * matMul's transposeB flag rather than a transposed copy: with native BLAS it is free, and the
   * wasm kernel picks its own fastest layout (kernels/matmul.ts).
   */
  decode(h: tf.Tensor2D, decoder: tf.Tensor2D): tf.Tensor2D {
    // V h + b with the bias added inside the matMul kernel (no separate [N, |V|] Add)
    return tf.tidy(() => tf.fused.matMul({ a: h, b: decoder, transposeB: true, bias: this.params.get("decoder.bias") }) as tf.Tensor2D); // [N, |V|]
  }

  /**
   * ids int32 [B, T] -> logits [B, T, |V|] and the final state (feed it back for the next chunk:
   * truncated BPTT). `rng` turns dropout on (training).
   */
  forward(ids: tf.Tensor2D, state?: RNNState, rng?: Rng): { logits: tf.Tensor3D; state: RNNState } {
    return tf.tidy(() => {
      const [B, T] = ids.shape;
      const p = this.config.dropout;
      const emb = dropout(this.encoder.forward(ids), p, rng); // [B, T, d]
      const out = this.rnn.forward(emb, state, { rng });
      const h = dropout(out.outputs, p, rng); // [B, T, H]
      const logits = this.decode(tf.reshape(h, [B * T, -1]), this.decoderWeight()); // [B*T, |V|]
      return { logits: tf.reshape(logits, [B, T, -1]) as tf.Tensor3D, state: out.state };
    });
  }

  /** Mean cross-entropy over all B*T target tokens (teacher forcing), and the final state. */
  loss(ids: tf.Tensor2D, targets: tf.Tensor2D, state?: RNNState, rng?: Rng): { loss: tf.Scalar; state: RNNState } {
    return tf.tidy(() => {
      const out = this.forward(ids, state, rng);
      const [B, T, V] = out.logits.shape;
      const loss = softmaxCrossEntropy(tf.reshape(out.logits, [B * T, V]), tf.reshape(targets, [B * T]));
      return { loss, state: out.state };
    });
  }

  /**
   * Log-probability (natural log) of a whole sentence and of each token in it: reads `<s> w_1..w_n`,
   * predicts `w_1..w_n </s>`; log P(sentence) = sum_t log P(w_t | w_<t), </s> included.
   */
  async scoreSentence(ids: readonly number[], bos: number, eos: number): Promise<{ logProb: number; tokenLogProbs: number[] }> {
    const lp = tf.tidy(() => {
      const input = tf.tensor2d([[bos, ...ids]], [1, ids.length + 1], "int32");
      const target = tf.tensor1d([...ids, eos], "int32");
      const { logits } = this.forward(input);
      const logp = tf.logSoftmax(tf.squeeze(logits, [0]) as tf.Tensor2D); // [n+1, |V|]
      return tf.sum(tf.mul(logp, tf.oneHot(target, this.config.vocabSize)), 1); // [n+1]
    });
    const tokenLogProbs = Array.from(await lp.data());
    lp.dispose();
    return { logProb: tokenLogProbs.reduce((a, b) => a + b, 0), tokenLogProbs };
  }

  dispose(): void {
    this.params.dispose();
  }
}
