// The characters a character-aware model spells words with (layers/char-encoder.ts): fitted on
// the training split's word forms, raw (case kept: capitals mark names), `<pad>` at id 0 and
// `<unk>` for every character outside it. A character seen only once in training also maps to
// `<unk>`, so that the unknown character's row is trained (the one-off characters of the train
// split stand in for the new ones of test text: emoji, rare accents).
import { PAD, UNK, Vocabulary } from "./vocabulary.js";

/** `<pad>` (id 0: padding of short words) and `<unk>` (a character outside the alphabet). */
export const CHAR_SPECIALS: readonly string[] = [PAD, UNK];

/** A character seen fewer times than this in training maps to `<unk>`. */
export const CHAR_MIN_COUNT = 2;

/**
 * Characters spelt per word at most: a longer one (a URL: UNER's EWT has one of 143) keeps its
 * first and last MAX_WORD_CHARS / 2, where prefixes and suffixes are, so that one such word does
 * not make every word of its batch run 143 LSTM steps.
 */
export const MAX_WORD_CHARS = 40;

/** The characters of a word: code points, so that an emoji or a non-BMP letter is one character, not two halves (at most MAX_WORD_CHARS). */
export function charsOf(word: string): string[] {
  const chars = [...word];
  const half = MAX_WORD_CHARS / 2;
  return chars.length <= MAX_WORD_CHARS ? chars : [...chars.slice(0, half), ...chars.slice(-half)];
}

/** The alphabet of training words (each sentence a list of raw tokens): specials, then characters by descending count. */
export function fitCharAlphabet(sentences: Iterable<readonly string[]>, { minCount = CHAR_MIN_COUNT }: { minCount?: number } = {}): string[] {
  const counts = new Map<string, number>();
  for (const words of sentences) for (const w of words) for (const ch of charsOf(w)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return [...Vocabulary.fromCounts(counts, { specials: [...CHAR_SPECIALS], minFrequency: minCount }).tokens];
}
