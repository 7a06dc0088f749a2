// IOB2 named-entity files: one token per line, a blank line between sentences, `#` comments.
// Universal NER: id TAB token TAB tag TAB - TAB annotator. A plain token TAB tag file reads too.
import { DataError } from "../errors.js";
import { loadText, splitLines, type TextSource } from "./source.js";
import type { TaggedSentence } from "./tagged-sentence.js";

/** `O`, `B-TYPE` or `I-TYPE`. */
const TAG = /^(O|[BI]-\S+)$/;

/** Sentences of (token, tag); every tag is checked to be `O`, `B-X` or `I-X`. */
export function readIob2(source: TextSource): TaggedSentence[] {
  const { text, file } = loadText(source);
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence | undefined;

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
        `expected 5 tab-separated columns (id, token, tag, -, annotator; Universal NER) or 2 (token, tag), got ${cols.length}: ${JSON.stringify(raw.slice(0, 60))}; separate columns with tabs and sentences with a blank line`,
        file,
        lineNo,
      );
    }
    if (!token) throw new DataError("expected a token, got an empty column; remove the line or fill in the token", file, lineNo);
    if (tag === undefined || !TAG.test(tag)) {
      throw new DataError(`expected an IOB2 tag (O, B-TYPE or I-TYPE such as B-PER), got ${JSON.stringify(tag)}; fix the tag column`, file, lineNo);
    }
    current ??= { tokens: [], tags: [], line: lineNo };
    current.tokens.push(token);
    current.tags.push(tag);
  });
  if (current) sentences.push(current);
  return sentences;
}
