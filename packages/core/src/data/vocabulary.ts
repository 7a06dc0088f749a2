// A vocabulary maps tokens to ids and back; it serialises with the model (checkpoint.ts).
import { ConfigError, DataError } from "../errors.js";

/** Special tokens. `<pad>` is always id 0 so that masks and padded batches agree. */
export const PAD = "<pad>";
export const UNK = "<unk>";
export const BOS = "<s>";
export const EOS = "</s>";

export interface VocabularyJSON {
  tokens: string[];
  /** Which specials this vocabulary has (a tag set has `<pad>` only). */
  specials: string[];
}

export class Vocabulary {
  readonly #ids = new Map<string, number>();
  readonly #tokens: string[];
  readonly specials: readonly string[];

  /** `tokens` in id order; duplicates are an error. */
  constructor(tokens: readonly string[], specials: readonly string[] = []) {
    this.#tokens = [...tokens];
    this.specials = [...specials];
    this.#tokens.forEach((t, i) => {
      if (typeof t !== "string")
        throw new DataError(`expected vocabulary entries to be strings, got ${JSON.stringify(t)} at id ${i}; rebuild the vocabulary from text`);
      if (this.#ids.has(t))
        throw new DataError(`expected unique vocabulary tokens, got ${JSON.stringify(t)} twice (ids ${this.#ids.get(t)} and ${i}); remove the duplicate`);
      this.#ids.set(t, i);
    });
    for (const s of specials) {
      if (!this.#ids.has(s))
        throw new ConfigError(`expected special token ${s} to be in the vocabulary, but it is not; add it to the tokens or drop it from the specials`);
    }
    // Masks and padded batches assume `<pad>` is id 0.
    if (this.specials.includes(PAD) && this.#ids.get(PAD) !== 0) {
      throw new ConfigError(`expected ${PAD} at id 0, got id ${this.#ids.get(PAD)}; list ${PAD} first`);
    }
  }

  /**
   * Build from token counts: specials first (in the order given), then tokens by descending
   * count (ties broken alphabetically, so the result is deterministic), keeping those seen at
   * least `minFrequency` times, at most `maxSize` entries in all.
   */
  static fromCounts(
    counts: ReadonlyMap<string, number>,
    { specials = [PAD, UNK, BOS, EOS], minFrequency = 1, maxSize = Infinity }: { specials?: string[]; minFrequency?: number; maxSize?: number } = {},
  ): Vocabulary {
    if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= specials.length))) {
      throw new ConfigError(
        `expected maxVocab to be a whole number of at least ${specials.length} (the special tokens ${specials.join(" ")}), got ${maxSize}; raise it or leave it unset`,
        "tokenizer.maxVocab",
      );
    }
    if (!(Number.isFinite(minFrequency) && minFrequency >= 1)) {
      throw new ConfigError(`expected minFrequency to be a number of at least 1, got ${minFrequency}; use 1 to keep every token`, "tokenizer.minFrequency");
    }
    const rest = [...counts.entries()]
      .filter(([t, c]) => c >= minFrequency && !specials.includes(t))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxSize - specials.length)
      .map(([t]) => t);
    return new Vocabulary([...specials, ...rest], specials);
  }

  get size(): number {
    return this.#tokens.length;
  }

  has(token: string): boolean {
    return this.#ids.has(token);
  }

  /** Id of `token`; unknown tokens map to `<unk>` when the vocabulary has one, else throw. */
  idOf(token: string): number {
    const id = this.#ids.get(token) ?? this.#ids.get(UNK);
    if (id === undefined)
      throw new DataError(
        `expected a token of the vocabulary, got unknown ${JSON.stringify(token)} and the vocabulary has no ${UNK} to map it to; build it with ${UNK} among its specials`,
      );
    return id;
  }

  tokenOf(id: number): string {
    const t = this.#tokens[id];
    if (t === undefined) throw new DataError(`expected a token id from 0 to ${this.size - 1}, got ${id}; decode with the vocabulary the ids were encoded with`);
    return t;
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.idOf(t));
  }

  decode(ids: readonly number[]): string[] {
    return ids.map((i) => this.tokenOf(i));
  }

  get tokens(): readonly string[] {
    return this.#tokens;
  }

  toJSON(): VocabularyJSON {
    return { tokens: [...this.#tokens], specials: [...this.specials] };
  }

  static fromJSON(json: VocabularyJSON): Vocabulary {
    if (!json || !Array.isArray(json.tokens))
      throw new DataError(`expected vocabulary JSON with a \`tokens\` array, got ${JSON.stringify(json)?.slice(0, 80)}; save it with Vocabulary.toJSON()`);
    const specials: unknown = json.specials ?? [];
    if (!Array.isArray(specials) || !specials.every((s) => typeof s === "string")) {
      throw new DataError(`expected vocabulary JSON \`specials\` to be an array of strings, got ${JSON.stringify(specials)}; save it with Vocabulary.toJSON()`);
    }
    return new Vocabulary(json.tokens, specials);
  }
}
