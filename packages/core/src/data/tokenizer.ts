// What every tokenizer does: split text into tokens, learn a vocabulary from training text, map
// tokens to ids and back, and serialise with its vocabulary so a checkpoint can restore it.
import { ConfigError } from "../errors.js";
import { BOS, EOS, PAD, UNK, Vocabulary, type VocabularyJSON } from "./vocabulary.js";

export type TokenizerKind = "char" | "word";

export interface TokenizerOptions {
  /** Word tokenizer only: lowercase text before splitting. */
  lowercase?: boolean;
  /** Keep tokens seen at least this often in training text; rarer ones become `<unk>`. Default 1. */
  minFrequency?: number;
  /** At most this many entries, the 4 specials included. Default unlimited. */
  maxVocab?: number;
}

export interface TokenizerJSON {
  kind: TokenizerKind;
  options: TokenizerOptions;
  vocabulary: VocabularyJSON;
}

/** The specials every tokenizer's vocabulary starts with: `<pad>` (id 0), `<unk>`, `<s>`, `</s>`. */
export const TOKENIZER_SPECIALS: readonly string[] = [PAD, UNK, BOS, EOS];

export abstract class Tokenizer {
  abstract readonly kind: TokenizerKind;
  #vocabulary: Vocabulary | undefined;

  constructor(
    readonly options: TokenizerOptions = {},
    vocabulary?: Vocabulary,
  ) {
    this.#vocabulary = vocabulary;
  }

  /** Split text into tokens (no ids). */
  abstract tokenize(text: string): string[];

  /**
   * The raw tokens of a text, before normalisation: `tokenize(text)` is `split(text)` normalised.
   * Character features spell these (a lowercasing tokenizer's ids still come with capitals).
   */
  split(text: string): string[] {
    return this.tokenize(text);
  }

  /** Put tokens back together into text. */
  abstract detokenize(tokens: readonly string[]): string;

  /** Normalise one already-split token the way `tokenize` would (lowercasing, say). */
  normalize(token: string): string {
    return token;
  }

  /** The fitted (or restored) vocabulary. */
  get vocabulary(): Vocabulary {
    if (!this.#vocabulary)
      throw new ConfigError(
        `expected a fitted ${this.kind} tokenizer, got one with no vocabulary; call fit(trainTexts) first or restore it with tokenizerFromJSON`,
      );
    return this.#vocabulary;
  }

  get fitted(): boolean {
    return this.#vocabulary !== undefined;
  }

  /** Learn the vocabulary from training texts (each text is tokenized), replacing any earlier one. */
  fit(texts: Iterable<string>): Vocabulary {
    const counts = new Map<string, number>();
    for (const text of texts) for (const t of this.tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    return this.#build(counts);
  }

  /** Learn the vocabulary from text that is already split into tokens (CoNLL-U, IOB2). */
  fitTokens(sequences: Iterable<readonly string[]>): Vocabulary {
    const counts = new Map<string, number>();
    for (const seq of sequences) {
      for (const raw of seq) {
        const t = this.normalize(raw);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
    }
    return this.#build(counts);
  }

  /** Text to ids; tokens outside the vocabulary become `<unk>`. */
  encode(text: string): number[] {
    return this.vocabulary.encode(this.tokenize(text));
  }

  /** Already-split tokens to ids, normalised first. */
  encodeTokens(tokens: readonly string[]): number[] {
    return this.vocabulary.encode(tokens.map((t) => this.normalize(t)));
  }

  /** Ids to text. */
  decode(ids: readonly number[]): string {
    return this.detokenize(this.vocabulary.decode(ids));
  }

  toJSON(): TokenizerJSON {
    return { kind: this.kind, options: { ...this.options }, vocabulary: this.vocabulary.toJSON() };
  }

  #build(counts: ReadonlyMap<string, number>): Vocabulary {
    const { minFrequency = 1, maxVocab = Infinity } = this.options;
    this.#vocabulary = Vocabulary.fromCounts(counts, { specials: [...TOKENIZER_SPECIALS], minFrequency, maxSize: maxVocab });
    return this.#vocabulary;
  }
}
