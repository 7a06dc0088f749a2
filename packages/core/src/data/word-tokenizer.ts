// Words as tokens: whitespace split, as for already tokenized corpora (WikiText, PTB, SST-2).
import { splitWords } from "./text-reader.js";
import { Tokenizer } from "./tokenizer.js";

export class WordTokenizer extends Tokenizer {
  readonly kind = "word" as const;

  tokenize(text: string): string[] {
    return this.split(text).map((w) => this.normalize(w));
  }

  override split(text: string): string[] {
    return splitWords(text);
  }

  override normalize(token: string): string {
    return this.options.lowercase ? token.toLowerCase() : token;
  }

  detokenize(tokens: readonly string[]): string {
    return tokens.join(" ");
  }
}
