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
      if (this.#ids.has(t)) throw new DataError(`duplicate token ${JSON.stringify(t)} in vocabulary (ids ${this.#ids.get(t)} and ${i})`);
      this.#ids.set(t, i);
    });
    for (const s of specials) {
      if (!this.#ids.has(s)) throw new ConfigError(`special token ${s} is not in the vocabulary`);
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
    if (maxSize < specials.length) throw new ConfigError(`maxSize ${maxSize} is smaller than the ${specials.length} special tokens; raise it`, "tokenizer.maxVocab");
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
    if (id === undefined) throw new DataError(`unknown token ${JSON.stringify(token)} and the vocabulary has no ${UNK}`);
    return id;
  }

  tokenOf(id: number): string {
    const t = this.#tokens[id];
    if (t === undefined) throw new DataError(`token id ${id} is outside the vocabulary (size ${this.size})`);
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
    if (!json || !Array.isArray(json.tokens)) throw new DataError("vocabulary JSON must have a `tokens` array");
    return new Vocabulary(json.tokens, json.specials ?? []);
  }
}
