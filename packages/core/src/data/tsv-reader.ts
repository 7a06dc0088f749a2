// Sentence classification files: text TAB label per line (SST-2 as distributed: no header row).
import { DataError } from "../errors.js";
import { loadText, splitLines, type TextSource } from "./source.js";

export interface LabelledText {
  text: string;
  /** Labels stay strings ("0", "1", "positive"); `labelSet` orders them. */
  label: string;
  /** 1-based line in the file. */
  line: number;
}

/**
 * Rows of `text<TAB>label`. Blank lines are skipped. A first row whose label column reads `label`
 * is a header (GLUE's copy of SST-2 has `sentence<TAB>label`) and is skipped too.
 */
export function readTsv(source: TextSource): LabelledText[] {
  const { text, file } = loadText(source);
  const rows: LabelledText[] = [];
  let first = true;
  splitLines(text).forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === "") return;
    const cols = raw.split("\t");
    if (cols.length !== 2) {
      throw new DataError(
        `expected 2 tab-separated columns (text, label), got ${cols.length}; put exactly one tab between the text and its label`,
        file,
        lineNo,
        raw.slice(0, 60),
      );
    }
    const [sentence = "", label = ""] = cols;
    const isFirst = first;
    first = false;
    if (isFirst && label.trim() === "label") return;
    if (sentence.trim() === "") throw new DataError("expected text in column 1, got an empty string; remove the row or fill in the text", file, lineNo);
    if (label.trim() === "") throw new DataError("expected a label in column 2, got an empty string; remove the row or fill in the label", file, lineNo);
    rows.push({ text: sentence, label: label.trim(), line: lineNo });
  });
  return rows;
}

/**
 * The classes in a stable order: numerically when every label is an integer ("0" < "1" < "10"),
 * otherwise by code point. Class ids are indices into this list.
 */
export function labelSet(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  const numeric = unique.every((l) => /^-?\d+$/.test(l));
  return unique.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
