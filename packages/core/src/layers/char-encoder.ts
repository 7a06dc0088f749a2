// Character-aware word representations (Lample et al. 2016, sec. 4.1; Plank et al. 2016): a word
// w is spelt as its characters c_1 .. c_n, each embedded (C c_i: `chars.embedding.weight` [|A|, c])
// and read by a one-layer BiLSTM (`chars.rnn.*`, torch's names); the final forward state (after
// c_n) and the final backward state (after c_1), concatenated, represent the word:
//   charRep(w) = [h_n^f ; h_1^b]   [2 x hidden]
// Models put it beside the word embedding, e_t = [E x_t ; charRep(w_t)] (embedded-rnn.ts). The
// characters come from the raw token, never from its vocabulary id, so a word outside the
// vocabulary (id <unk>) keeps its spelling. Per batch, each distinct form is spelt once ([F, L],
// padded, with a mask: padding leaves the LSTM state as it was, so a word's representation does
// not depend on the longest word beside it; forms run in groups of similar length) and gathered
// back to its positions [B, T].
import * as tf from "@tensorflow/tfjs-core";
import { CHAR_SPECIALS, charsOf } from "../data/char-alphabet.js";
import { Vocabulary } from "../data/vocabulary.js";
import { ConfigError, ShapeError } from "../errors.js";
import { embeddingLookup } from "../ops/index.js";
import { charParamCount, type CharSizes } from "../param-count.js";
import type { Parameters } from "../params.js";
import type { Rng } from "../random.js";
import { Embedding } from "./embedding.js";
import { StackedRNN } from "./stacked.js";

/** A model config's `chars`: the alphabet travels with the model (checkpoints, export), so unseen words are spelt the same way at inference. */
export interface CharFeaturesConfig {
  /** Characters by id: `<pad>` (0), `<unk>`, then the training characters (data/char-alphabet.ts). */
  alphabet: readonly string[];
  /** Width of a character embedding (Lample et al.: 25). */
  embeddingSize: number;
  /** LSTM state per direction (Lample et al.: 25); the representation is twice this. */
  hiddenSize: number;
}

/** The raw tokens of a batch: one list per sequence, at most T each (shorter: padding). */
export type BatchWords = readonly (readonly string[])[];

/** A batch spelt out, as plain arrays: the distinct forms' characters and where each token's form is. */
export interface SpeltBatch {
  chars: Int32Array; // [F, L] character ids, 0 = <pad>
  mask: Float32Array; // [F, L] 1 = character
  forms: Int32Array; // [B, T] row of each token's form; 0 = the empty form (padding: represented by zeros)
  count: number; // F, the empty form included
  length: number; // L, the longest form (at least 1)
}

export function charSizes(c: CharFeaturesConfig): CharSizes {
  return { alphabetSize: c.alphabet.length, embeddingSize: c.embeddingSize, hiddenSize: c.hiddenSize };
}

/** Form 0 is the empty word (padding positions); each distinct word of the batch gets the next row. */
export function spellBatch(alphabet: Vocabulary, words: BatchWords, time: number): SpeltBatch {
  const rows = new Map<string, number>([["", 0]]);
  const spelt: number[][] = [[]];
  const forms = new Int32Array(words.length * time);
  words.forEach((sentence, b) => {
    if (sentence.length > time) throw new ShapeError(`expected at most ${time} words in sequence ${b} (the batch's time steps), got ${sentence.length}`);
    sentence.forEach((w, t) => {
      let row = rows.get(w);
      if (row === undefined) {
        rows.set(w, (row = spelt.length));
        spelt.push(alphabet.encode(charsOf(w))); // characters outside the alphabet: <unk>
      }
      forms[b * time + t] = row;
    });
  });
  const L = Math.max(1, ...spelt.map((s) => s.length));
  const chars = new Int32Array(spelt.length * L);
  const mask = new Float32Array(spelt.length * L);
  spelt.forEach((ids, f) => {
    chars.set(ids, f * L);
    mask.fill(1, f * L, f * L + ids.length);
  });
  return { chars, mask, forms, count: spelt.length, length: L };
}

/** Longest form of each length group: the forms of a batch run in up to four groups, each padded to its own longest. */
const GROUP_LENGTHS = [4, 8, 16, Infinity];

/** The forms of a batch in groups of similar length (plain arrays), and each form's row once the groups' outputs are stacked. */
export interface SpeltGroups {
  groups: { chars: Int32Array; mask: Float32Array; count: number; length: number }[];
  /** Form f is row rowOf[f] of the groups' representations concatenated in order. */
  rowOf: Int32Array;
}

/**
 * One long word makes every form of the batch run its length in LSTM steps: grouping the forms by
 * length (at most 4, 8, 16 characters, longer) cuts the padded steps, about 3x on UNER's EWT.
 */
export function groupByLength(s: SpeltBatch): SpeltGroups {
  const lengths = Array.from({ length: s.count }, (_, f) => s.mask.subarray(f * s.length, (f + 1) * s.length).reduce((n, m) => n + m, 0));
  const members = GROUP_LENGTHS.map(() => [] as number[]);
  lengths.forEach((n, f) => members[GROUP_LENGTHS.findIndex((max) => n <= max)]!.push(f));
  const rowOf = new Int32Array(s.count);
  let row = 0;
  const groups = members
    .filter((fs) => fs.length > 0)
    .map((fs) => {
      const L = Math.max(1, ...fs.map((f) => lengths[f]!));
      const chars = new Int32Array(fs.length * L);
      const mask = new Float32Array(fs.length * L);
      fs.forEach((f, i) => {
        chars.set(s.chars.subarray(f * s.length, f * s.length + L), i * L);
        mask.set(s.mask.subarray(f * s.length, f * s.length + L), i * L);
        rowOf[f] = row++;
      });
      return { chars, mask, count: fs.length, length: L };
    });
  return { groups, rowOf };
}

export class CharEncoder {
  readonly embedding: Embedding;
  readonly rnn: StackedRNN;
  readonly alphabet: Vocabulary;

  constructor(
    params: Parameters,
    readonly config: CharFeaturesConfig,
    rng: Rng,
    prefix = "chars",
  ) {
    if (config.alphabet[0] !== CHAR_SPECIALS[0] || config.alphabet[1] !== CHAR_SPECIALS[1])
      throw new ConfigError(
        `expected a character alphabet starting with ${CHAR_SPECIALS.join(" ")}, got ${JSON.stringify(config.alphabet.slice(0, 2))}; fit it with fitCharAlphabet`,
        "model.chars",
      );
    this.alphabet = new Vocabulary(config.alphabet, CHAR_SPECIALS);
    this.embedding = new Embedding(params, `${prefix}.embedding`, config.alphabet.length, config.embeddingSize, rng);
    this.rnn = new StackedRNN(
      params,
      { cell: "lstm", layers: 1, inputSize: config.embeddingSize, hiddenSize: config.hiddenSize, bidirectional: true },
      rng,
      `${prefix}.rnn.`,
    );
  }

  static paramCount(c: CharFeaturesConfig): number {
    return charParamCount(charSizes(c));
  }

  /** 2 x hidden: [h_n^f ; h_1^b]. */
  get outputSize(): number {
    return 2 * this.config.hiddenSize;
  }

  /** Every distinct form spelt once: chars [F, L] (mask [F, L]) -> charRep [F, 2h]. */
  represent(chars: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.embedding.forward(chars); // C c_i  [F, L, c]
      const { state } = this.rnn.forward(x, undefined, { mask }); // h_n order: [forward [h, c], backward [h, c]], each [F, h]
      return tf.concat([state[0]![0]!, state[1]![0]!], 1) as tf.Tensor2D; // [h_n^f ; h_1^b]  [F, 2h]
    });
  }

  /** words (raw tokens, at most T per sequence) -> charRep(w_t) [B, T, 2h], zeros at padding. */
  forward(words: BatchWords, time: number): tf.Tensor3D {
    const s = spellBatch(this.alphabet, words, time);
    const { groups, rowOf } = groupByLength(s);
    const rows = s.forms.map((f) => rowOf[f]!); // [B * T] each token's row of the stacked groups
    return tf.tidy(() => {
      const reps = groups.map((g) => this.represent(tf.tensor2d(g.chars, [g.count, g.length], "int32"), tf.tensor2d(g.mask, [g.count, g.length], "float32"))); // [F_g, 2h] each
      const rep = reps.length === 1 ? reps[0]! : (tf.concat(reps, 0) as tf.Tensor2D); // [F, 2h]
      return embeddingLookup(rep, tf.tensor2d(rows, [words.length, time], "int32")) as tf.Tensor3D; // rows back to positions  [B, T, 2h]
    });
  }
}
