// RNN language model, J&M 8.3 / pytorch/examples word_language_model `RNNModel`:
//   e_t = E x_t,   h_t = RNN(h_{t-1}, e_t),   y_t = softmax(V h_t + b)
// trained with teacher forcing (the input at t is the true token) on mean cross-entropy.
// Weight tying (Press & Wolf 2017; Inan et al. 2016): V = E, i.e. the decoder reuses the [|V|, d]
// embedding matrix, saving |V| x d parameters. When the last hidden size H != d, the tied model first
// maps h_t through a learned projection P [d, H] (`projection.weight`, no bias): y_t = softmax(E P h_t + b).
import * as tf from "@tensorflow/tfjs-core";
import type { Activation, CellKind } from "../cells/index.js";
import { ConfigError } from "../errors.js";
import { Embedding } from "../layers/embedding.js";
import { dropout } from "../layers/dropout.js";
import type { RNNState } from "../layers/stacked.js";
import { StackedRNN } from "../layers/stacked.js";
import { softmaxCrossEntropy } from "../ops/index.js";
import { languageModelParamCount } from "../param-count.js";
import { Parameters, uniformInit } from "../params.js";
import { Rng } from "../random.js";

export interface LanguageModelConfig {
  vocabSize: number;
  cell: CellKind;
  activation?: Activation;
  embeddingSize: number;
  hiddenSize: number;
  layers: number;
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
    const { vocabSize: V, embeddingSize: d, hiddenSize: H, layers, cell, activation } = config;
    if (layers < 1) throw new ConfigError(`need at least 1 layer, got ${layers}`, "model.layers");
    const rng = new Rng(seed);
    this.encoder = new Embedding(this.params, "encoder", V, d, rng);
    this.rnn = new StackedRNN(this.params, { cell, activation, layers, inputSize: d, hiddenSize: H, dropout: config.dropout }, rng);
    if (config.tied && H !== d) this.params.add("projection.weight", uniformInit(rng, [d, H], 1 / Math.sqrt(H)));
    if (!config.tied) this.params.add("decoder.weight", uniformInit(rng, [V, H], 0.1)); // word_language_model init
    this.params.add("decoder.bias", tf.zeros([V]));
  }

  /** Exact parameter count: untied = tied + |V| x d when H = d; tied with projection adds d x H. */
  static paramCount(c: LanguageModelConfig): number {
    return languageModelParamCount(c);
  }

  /** The decoder matrix [|V|, d_in]: V = E when tied (Press & Wolf 2017), else its own. */
  decoderWeight(): tf.Tensor2D {
    const W = (this.config.tied ? this.encoder.weight : this.params.get("decoder.weight")) as tf.Tensor2D; // V = E
    const inSize = this.params.has("projection.weight") ? this.config.embeddingSize : this.config.hiddenSize;
    if (W.shape[1] !== inSize) throw new ConfigError(`decoder needs ${inSize} columns but the tied embedding has ${W.shape[1]}; set embeddingSize = hiddenSize or keep the projection`, "model.tied");
    return W;
  }

  /**
   * Hidden states [N, H] -> logits [N, |V|] with the decoder V [|V|, d_in]. The products use
   * matMul's transposeB flag rather than a transposed copy: with native BLAS it is free, and the
   * wasm kernel picks its own fastest layout (kernels/matmul.ts).
   */
  decode(h: tf.Tensor2D, decoder: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.params.has("projection.weight") ? tf.matMul(h, this.params.get<tf.Rank.R2>("projection.weight"), false, true) : h; // P h  [N, d]
      // V h + b with the bias added inside the matMul kernel (no separate [N, |V|] Add)
      return tf.fused.matMul({ a: x, b: decoder, transposeB: true, bias: this.params.get("decoder.bias") }) as tf.Tensor2D;
    });
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
