// Characters as tokens (karpathy/char-rnn): every Unicode code point is one token.
import { ConfigError } from "../errors.js";
import { Tokenizer, type TokenizerOptions } from "./tokenizer.js";
import type { Vocabulary } from "./vocabulary.js";

export class CharTokenizer extends Tokenizer {
  readonly kind = "char" as const;

  constructor(options: TokenizerOptions = {}, vocabulary?: Vocabulary) {
    if (options.lowercase) {
      throw new ConfigError(
        "expected no lowercase option on a char tokenizer, got lowercase: true; a character model learns case itself: drop the option or use the word tokenizer",
        "tokenizer.lowercase",
      );
    }
    super(options, vocabulary);
  }

  /** Code points, so a character outside the Basic Multilingual Plane stays one token. */
  tokenize(text: string): string[] {
    return Array.from(text);
  }

  detokenize(tokens: readonly string[]): string {
    return tokens.join("");
  }
}
