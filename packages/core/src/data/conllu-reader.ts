// CoNLL-U (Universal Dependencies): one word per line in 10 tab-separated columns, a blank line
// after each sentence, `#` comment lines. https://universaldependencies.org/format.html
import { DataError } from "../errors.js";
import { loadText, splitLines, type TextSource } from "./source.js";
import type { TaggedSentence } from "./tagged-sentence.js";

export type TagColumn = "upos" | "xpos";

export interface ConlluSentence extends TaggedSentence {
  /** Universal POS tags (column 4). */
  upos: string[];
  /** Language-specific POS tags (column 5; Penn Treebank tags for English EWT). */
  xpos: string[];
  /** From a `# sent_id = ...` comment, when there is one. */
  sentId?: string;
}

const COLUMNS = "ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC";

/**
 * Sentences of (form, upos, xpos), with `tags` taken from `tagColumn` (default `upos`).
 * Skipped as the format intends: comment lines, multiword token ranges (`1-2`, whose parts follow
 * as words) and empty nodes (`1.1`, enhanced dependencies only).
 */
export function readConllu(source: TextSource, { tagColumn = "upos" }: { tagColumn?: TagColumn } = {}): ConlluSentence[] {
  const { text, file } = loadText(source);
  const sentences: ConlluSentence[] = [];
  let current: ConlluSentence | undefined;
  let sentId: string | undefined;
  const fail = (line: number, message: string, excerpt?: string): never => {
    throw new DataError(message, file, line, excerpt);
  };

  splitLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === "") {
      if (current) sentences.push(current);
      current = undefined;
      sentId = undefined;
      return;
    }
    if (raw.startsWith("#")) {
      const m = /^#\s*sent_id\s*=\s*(.*)$/.exec(raw);
      if (m) sentId = m[1]?.trim();
      return;
    }
    const cols = raw.split("\t");
    if (cols.length !== 10) {
      fail(
        lineNo,
        `expected 10 tab-separated columns (${COLUMNS}), got ${cols.length}; separate columns with single tabs and put a blank line after each sentence`,
        raw.slice(0, 60),
      );
    }
    const [id = "", form = "", , upos = "", xpos = ""] = cols;
    if (/^\d+-\d+$/.test(id) || /^\d+\.\d+$/.test(id)) return; // multiword token range or empty node
    if (!/^\d+$/.test(id)) {
      fail(
        lineNo,
        `expected a word ID (1, 2, ...), a range (1-2) or an empty node (1.1) in column 1, got something else; check the column order (${COLUMNS})`,
        id.slice(0, 60),
      );
    }
    current ??= { tokens: [], tags: [], upos: [], xpos: [], line: lineNo, ...(sentId !== undefined ? { sentId } : {}) };
    const expected = current.tokens.length + 1;
    if (Number(id) !== expected) {
      fail(lineNo, `expected word ID ${expected} (IDs count up from 1 in each sentence), got ${id}; is a blank line missing between sentences?`);
    }
    if (form === "") fail(lineNo, "expected a word form in column 2, got an empty string; use _ for a missing value");
    if (upos === "" || xpos === "")
      fail(lineNo, `expected UPOS and XPOS in columns 4 and 5, got an empty ${upos === "" ? "UPOS" : "XPOS"}; use _ for a missing value`);
    current.tokens.push(form);
    current.upos.push(upos);
    current.xpos.push(xpos);
    current.tags.push(tagColumn === "upos" ? upos : xpos);
  });
  if (current) sentences.push(current);
  return sentences;
}
