// States over a text (issue 15; LSTMVis, Strobelt et al. 2016): what every hidden unit does at each
// token, per layer and direction: h_t, an LSTM's cell state c_t and gates i, f, o (and g), a GRU's
// gates r, z (and candidate n), and for a language model the top-k next tokens at each position
// (the unrolled y_t = softmax(V h_t) of the chapter's figures). The layers run the textbook step
// path (runCell's tap) once over the text, batch 1, no dropout; values are read as each is made.
import * as tf from "@tensorflow/tfjs-core";
import type { StepValue } from "../cells/index.js";
import type { LayerTap } from "../layers/stacked.js";
import type { AnyModel } from "../models/index.js";
import { Classifier } from "../models/classifier.js";
import { LanguageModel } from "../models/language-model.js";

export interface UnitTrace {
  layer: number;
  direction: "forward" | "backward";
  /** h, an LSTM's c, or a gate after its activation (LSTM i, f, g, o; GRU r, z, n). */
  name: StepValue;
  /** values[unit][position] */
  values: number[][];
}

export interface NextToken {
  id: number;
  p: number;
}

export interface StatesOverText {
  positions: number;
  /** Per layer and direction (h_n order), then h, c, then the gates. */
  traces: UnitTrace[];
  /** Language models: the `topK` most likely next tokens after each position, most likely first. */
  next?: NextToken[][];
}

const ORDER: readonly StepValue[] = ["h", "c", "i", "f", "g", "o", "r", "z", "n"];

/**
 * Every unit of every layer over the token ids `ids` (a classifier reads them all as real tokens).
 * A tagger or classifier with character features also needs `words`, the raw token behind each id.
 */
export async function statesOverText(
  model: AnyModel,
  ids: readonly number[],
  { topK = 5, words }: { topK?: number; words?: readonly string[] } = {},
): Promise<StatesOverText> {
  const T = ids.length;
  if (T === 0) return { positions: 0, traces: [] };
  const dirs = model.rnn.directions;
  const seen = new Map<string, { k: number; name: StepValue; kept: tf.Tensor[] }>();
  const tap: LayerTap = (k, t, name, s) => {
    if (t < 0) return s; // the initial state: zeros here
    const key = `${k}:${name}`;
    if (!seen.has(key)) seen.set(key, { k, name, kept: [] });
    seen.get(key)!.kept[t] = tf.keep(s); // [H, 1], read after the forward (webgpu cannot read synchronously in Node)
    return s;
  };
  const top = tf.tidy(() =>
    model.rnn.withTap(tap, () => {
      const x = tf.tensor2d([[...ids]], [1, T], "int32");
      if (model instanceof LanguageModel) {
        const probs = tf.softmax(tf.reshape(model.forward(x).logits, [T, -1])) as tf.Tensor2D; // y_t  [T, V]
        const { values, indices } = tf.topk(probs, Math.min(topK, probs.shape[1])); // [T, k] each
        return [values, indices];
      }
      const inputs = words ? { words: [words] } : {};
      if (model instanceof Classifier) model.forward(x, tf.ones([1, T]) as tf.Tensor2D, inputs);
      else model.forward(x, undefined, inputs);
      return [];
    }),
  );
  const [values, indices] = await Promise.all(top.map((t) => t.array() as Promise<number[][]>));
  tf.dispose(top);
  const read = await Promise.all(
    [...seen.values()].map(async ({ k, name, kept }) => ({ k, name, cols: await Promise.all(kept.map((s) => s.data() as Promise<Float32Array>)) })),
  ); // H values per position (batch 1)
  for (const { kept } of seen.values()) tf.dispose(kept);
  const traces = read
    .sort((a, b) => a.k - b.k || ORDER.indexOf(a.name) - ORDER.indexOf(b.name))
    .map(({ k, name, cols }) => {
      const H = cols[0]?.length ?? 0;
      return {
        layer: Math.floor(k / dirs),
        direction: k % dirs === 0 ? "forward" : "backward",
        name,
        values: Array.from({ length: H }, (_, u) => cols.map((c) => c[u] as number)),
      } satisfies UnitTrace;
    });
  const next = values && indices ? values.map((row, t) => row.map((p, j) => ({ id: indices[t]![j]!, p }))) : undefined;
  return { positions: T, traces, ...(next ? { next } : {}) };
}
