// Gradient norm through time: how much of the error reaches each step back (J&M 8.2.2,
// backpropagation through time; the vanishing gradient that motivates the LSTM, J&M 8.5).
// For the loss L at the LAST position of a window (so that position t is T-1-t steps from it):
//   ||dL/dh_t||   for t = 0 .. T-1, per layer and direction   (an LSTM also ||dL/dc_t||)
//   ||dL/dh_{-1}||  the gradient reaching the initial state (the LM's carried state)
// Norms are over hidden units and the batch. dL/dh_t is the total derivative: through h_t's own
// output and through every later step (dL/dc_t also through h_t = o_t tanh(c_t)). Padding has none. The fused sequence kernels hide the recurrence from
// autodiff, so the layers run step by step here (runCell's tap) and a zero is added to every state:
// dL/d(zero at t) = dL/ds_t, the tape's own BPTT. One small probe batch, at each evaluation.
import * as tf from "@tensorflow/tfjs-core";
import type { BatchWords } from "../layers/char-encoder.js";
import type { LayerTap, RNNState, StackedRNN } from "../layers/stacked.js";
import type { Classifier } from "../models/classifier.js";
import type { LanguageModel } from "../models/language-model.js";
import type { Tagger } from "../models/tagger.js";
import { softmaxCrossEntropy } from "../ops/index.js";

export interface StateGradNorms {
  layer: number;
  direction: "forward" | "backward";
  /** h, or an LSTM's cell state c. */
  state: "h" | "c";
  /** ||dL/ds_t|| for every position t of the window. */
  norms: number[];
  /** ||dL/ds_{-1}||: what reaches the initial (carried) state. */
  initial: number;
}

export interface GradThroughTime {
  /** Positions in the window (T). */
  positions: number;
  /** Sequences in the probe batch. */
  batch: number;
  /** Per layer (and direction), h then c: torch's h_n order. */
  rows: StateGradNorms[];
}

/**
 * ||dL/ds_t|| for every state of `rnn` over a window of `time` steps and `batch` sequences, where
 * `loss` runs the model (whose stacked RNN is `rnn`) once, without dropout.
 */
export async function gradThroughTime(rnn: StackedRNN, { batch, time }: { batch: number; time: number }, loss: () => tf.Scalar): Promise<GradThroughTime> {
  const dirs = rnn.directions;
  const cells = rnn.layers.flatMap((l) => (l.backwardCell ? [l.forwardCell, l.backwardCell] : [l.forwardCell]));
  const norms = tf.tidy(() => {
    // one zero per (layer and direction, position -1 .. T-1, state component)
    const probes = cells.map((c) =>
      Array.from({ length: time + 1 }, () => Array.from({ length: c.stateSize }, () => tf.zeros([c.hiddenSize, batch]) as tf.Tensor2D)),
    ); // each [H, B]
    const tap: LayerTap = (k, t, name, s) => (name === "h" || name === "c" ? (tf.add(s, probes[k]![t + 1]![name === "h" ? 0 : 1]!) as tf.Tensor2D) : s); // s_t + 0
    // allowNoGradients: a state the loss never reads (a classifier's last c_T) has gradient 0
    const { grads } = tf.engine().gradients(() => rnn.withTap(tap, loss), probes.flat(2), undefined, true);
    // one norm per probe; cells of one size share a stacked reduction  [cells * (T+1) * stateSize]
    const byShape = new Map<string, number[]>();
    grads.forEach((g, i) => {
      const key = g ? g.shape.join("x") : "none";
      byShape.set(key, [...(byShape.get(key) ?? []), i]);
    });
    const out = new Array<tf.Tensor>(grads.length);
    for (const [key, idx] of byShape) {
      if (key === "none") idx.forEach((i) => (out[i] = tf.scalar(0)));
      else tf.unstack(tf.sqrt(tf.sum(tf.square(tf.stack(idx.map((i) => grads[i]!))), [1, 2]))).forEach((n, j) => (out[idx[j]!] = n)); // [n, H, B] -> [n]
    }
    return tf.stack(out) as tf.Tensor1D;
  });
  const values = await norms.data();
  norms.dispose();
  const rows: StateGradNorms[] = [];
  let i = 0;
  cells.forEach((c, k) => {
    const block = Array.from(values.subarray(i, i + (time + 1) * c.stateSize)); // [(T+1) * stateSize], position-major
    i += block.length;
    for (let j = 0; j < c.stateSize; j++) {
      const byPosition = Array.from({ length: time + 1 }, (_, t) => block[t * c.stateSize + j] as number);
      rows.push({
        layer: Math.floor(k / dirs),
        direction: k % dirs === 0 ? "forward" : "backward",
        state: j === 0 ? "h" : "c",
        norms: byPosition.slice(1),
        initial: byPosition[0] as number,
      });
    }
  });
  return { positions: time, batch, rows };
}

/** A language model on a chunk ids, targets [B, T] from `state` (the carried one, or zeros): L = mean CE at t = T-1. */
export function lmGradThroughTime(model: LanguageModel, ids: tf.Tensor2D, targets: tf.Tensor2D, state?: RNNState): Promise<GradThroughTime> {
  const [B, T] = ids.shape;
  return gradThroughTime(model.rnn, { batch: B, time: T }, () => {
    const { logits } = model.forward(ids, state); // [B, T, V]
    const last = tf.reshape(tf.slice(logits, [0, T - 1, 0], [B, 1, -1]), [B, -1]) as tf.Tensor2D; // [B, V]
    return softmaxCrossEntropy(last, tf.reshape(tf.slice(targets, [0, T - 1], [B, 1]), [B]) as tf.Tensor1D);
  });
}

/** A tagger on a padded batch ids, tags, mask [B, T] (words: with character features): L = mean CE at each sentence's last token. */
export function taggerGradThroughTime(model: Tagger, ids: tf.Tensor2D, tags: tf.Tensor2D, mask: tf.Tensor2D, words?: BatchWords): Promise<GradThroughTime> {
  const [B, T] = ids.shape;
  return gradThroughTime(model.rnn, { batch: B, time: T }, () => {
    const next = tf.concat([tf.slice(mask, [0, 1], [B, T - 1]), tf.zeros([B, 1])], 1); // m_{t+1}, 0 past the end  [B, T]
    const lastToken = tf.mul(mask, tf.sub(1, next)) as tf.Tensor2D; // m_t (1 - m_{t+1})  [B, T]
    return model.lossFromLogits(model.forward(ids, mask, { words }), tags, lastToken);
  });
}

/** A classifier on a padded batch ids, mask [B, T], labels [B] (words: with character features): L = its loss. */
export function classifierGradThroughTime(
  model: Classifier,
  ids: tf.Tensor2D,
  labels: tf.Tensor1D,
  mask: tf.Tensor2D,
  words?: BatchWords,
): Promise<GradThroughTime> {
  const [B, T] = ids.shape;
  return gradThroughTime(model.rnn, { batch: B, time: T }, () => model.loss(ids, labels, mask, { words }));
}
