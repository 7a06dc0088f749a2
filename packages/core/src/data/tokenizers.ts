// Make a tokenizer from options, or restore a fitted one from its JSON (checkpoint.ts).
import { z } from "zod";
import { DataError } from "../errors.js";
import { CharTokenizer } from "./char-tokenizer.js";
import type { Tokenizer, TokenizerJSON, TokenizerKind, TokenizerOptions } from "./tokenizer.js";
import { Vocabulary } from "./vocabulary.js";
import { WordTokenizer } from "./word-tokenizer.js";

/** An unfitted tokenizer of the given kind. */
export function createTokenizer(kind: TokenizerKind, options: TokenizerOptions = {}): Tokenizer {
  return kind === "char" ? new CharTokenizer(options) : new WordTokenizer(options);
}

const TokenizerJSONSchema = z.object({
  kind: z.enum(["char", "word"]),
  options: z.object({
    lowercase: z.boolean().optional(),
    minFrequency: z.number().optional(),
    maxVocab: z.number().optional(),
  }),
  vocabulary: z.object({ tokens: z.array(z.string()), specials: z.array(z.string()) }),
});

/** Restore a tokenizer saved with `toJSON()`, vocabulary included. */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  const parsed = TokenizerJSONSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(root)";
    throw new DataError(
      `expected tokenizer JSON as written by Tokenizer.toJSON() ({kind, options, vocabulary}), got a problem at ${where}: ${issue?.message}; re-save the checkpoint`,
    );
  }
  const { kind, options, vocabulary } = parsed.data satisfies TokenizerJSON;
  const vocab = Vocabulary.fromJSON(vocabulary);
  return kind === "char" ? new CharTokenizer(options, vocab) : new WordTokenizer(options, vocab);
}
