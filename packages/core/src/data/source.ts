// Where a reader's text comes from: a file on disk or a string already in memory.
import { readFileSync } from "node:fs";
import { DataError } from "../errors.js";

/** A file path, or text with an optional name that error messages use in place of a file. */
export type TextSource = { path: string } | { text: string; name?: string };

export interface LoadedText {
  text: string;
  /** The path, or the given name (`<string>` when none), for error messages. */
  file: string;
}

/** Read a source as UTF-8 text; invalid UTF-8 is a DataError naming the line. A BOM is dropped. */
export function loadText(source: TextSource): LoadedText {
  if ("text" in source) return { text: stripBom(source.text), file: source.name ?? "<string>" };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source.path);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new DataError(`expected a readable file, got ${reason}; check the path (relative paths are resolved from ${process.cwd()})`, source.path);
  }
  try {
    return { text: stripBom(new TextDecoder("utf-8", { fatal: true }).decode(bytes)), file: source.path };
  } catch {
    const loose = new TextDecoder("utf-8").decode(bytes);
    const bad = loose.indexOf("\uFFFD");
    throw new DataError(
      "expected UTF-8 text, got bytes that are not valid UTF-8; re-encode the file as UTF-8 (e.g. iconv -t UTF-8)",
      source.path,
      lineAt(loose, bad),
    );
  }
}

/**
 * The lines of a text the way Python iterates a file: `\n` (or `\r\n`) ends a line, and a final
 * newline does not start another, empty one.
 */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** 1-based line number of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
