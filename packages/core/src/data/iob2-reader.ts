// IOB2 named-entity files: one token per line, a blank line between sentences, `#` comments.
// Universal NER: id TAB token TAB tag TAB - TAB annotator. A plain token TAB tag file reads too.
// An `I-X` that continues no entity (after O, after another type, or first in a sentence, as in
// IOB1 files) is read as `B-X`, as conlleval reads it, and reported in one warning per file.
import { DataError } from "../errors.js";
import { loadText, splitLines, type TextSource } from "./source.js";
import type { TaggedSentence } from "./tagged-sentence.js";

/** `O`, `B-TYPE` or `I-TYPE`. */
const TAG = /^(O|[BI]-\S+)$/;

export interface Iob2Options {
  /** Receives one line per file whose `I-` tags had to be read as `B-`. */
  warnings?: string[];
}

/** Sentences of (token, tag); every tag is checked to be `O`, `B-X` or `I-X`. */
export function readIob2(source: TextSource, { warnings }: Iob2Options = {}): TaggedSentence[] {
  const { text, file } = loadText(source);
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence | undefined;
  let repaired = 0;
  let first: { line: number; tag: string; after: string } | undefined;

  splitLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === "") {
      if (current) sentences.push(current);
      current = undefined;
      return;
    }
    if (raw.startsWith("#")) return;
    const cols = raw.split("\t");
    let token: string | undefined;
    let tag: string | undefined;
    if (cols.length === 5) [, token, tag] = cols;
    else if (cols.length === 2) [token, tag] = cols;
    else {
      throw new DataError(
        `expected 5 tab-separated columns (id, token, tag, -, annotator; Universal NER) or 2 (token, tag), got ${cols.length}; separate columns with tabs and sentences with a blank line`,
        file,
        lineNo,
        raw.slice(0, 60),
      );
    }
    if (!token) throw new DataError("expected a token, got an empty column; remove the line or fill in the token", file, lineNo);
    if (tag === undefined || !TAG.test(tag)) {
      throw new DataError(
        `expected an IOB2 tag (O, B-TYPE or I-TYPE such as B-PER) in the tag column, got ${tag === undefined ? "none" : "something else"}; fix the tag column`,
        file,
        lineNo,
        tag?.slice(0, 60),
      );
    }
    current ??= { tokens: [], tags: [], line: lineNo };
    const prev = current.tags[current.tags.length - 1] ?? "O";
    if (tag.startsWith("I-") && (prev === "O" || prev.slice(2) !== tag.slice(2))) {
      repaired++;
      first ??= { line: lineNo, tag, after: current.tags.length ? prev : "the start of a sentence" };
      tag = `B-${tag.slice(2)}`;
    }
    current.tokens.push(token);
    current.tags.push(tag);
  });
  if (current) sentences.push(current);
  if (first) {
    warnings?.push(
      `${file}: ${repaired} I- tag${repaired > 1 ? "s" : ""} continued no entity (the first at line ${first.line}: ${first.tag} after ${first.after}); ` +
        `read as B-${first.tag.slice(2)}, a new entity, as conlleval does. To silence this, write B- for the first token of each entity`,
    );
  }
  return sentences;
}
