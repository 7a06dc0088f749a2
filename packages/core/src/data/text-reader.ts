// Plain text for language models: lines of words (WikiText) or one stream of characters (char-rnn).
import { EOS } from "./vocabulary.js";
import { loadText, splitLines, type TextSource } from "./source.js";

/** One sequence per line. Empty lines are kept: they are lines too (PyTorch word_language_model). */
export function readLines(source: TextSource): string[] {
  return splitLines(loadText(source).text);
}

/**
 * A word-level token stream, as pytorch/examples word_language_model builds it:
 * `for line in f: words = line.split() + ['<eos>']`. Every line, empty ones included, ends with
 * one end-of-sentence marker; here that is the vocabulary's `</s>` (pass `eos: "<eos>"` for the
 * PyTorch spelling). `<unk>` already in the text (WikiText) is the vocabulary's `<unk>`.
 */
export function readWordStream(source: TextSource, { eos = EOS }: { eos?: string } = {}): string[] {
  const out: string[] = [];
  for (const line of readLines(source)) {
    for (const word of splitWords(line)) out.push(word);
    out.push(eos);
  }
  return out;
}

/** The whole text as one stream for a character model: newlines stay in it, as in char-rnn. */
export function readCharStream(source: TextSource): string {
  return loadText(source).text;
}

/**
 * Python's `str.split()`: split on runs of whitespace, no empty pieces. Python's whitespace, not
 * JavaScript's `\s`: WikiText-2 has U+FEFF inside words, which `\s` would split on (36 tokens off).
 */
export function splitWords(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((w) => w !== "");
}

/** The characters for which Python's `str.isspace()` is true (\x1c-\x1f are its separators). */
// eslint-disable-next-line no-control-regex -- Python counts the information separators as whitespace
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
