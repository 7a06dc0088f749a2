// Pretrained word vectors in the text formats GloVe and word2vec write: one word a line followed
// by its d numbers, separated by spaces; word2vec's files start with a "count d" header line.
// Read as a stream (GloVe's files run to gigabytes), keeping only the words asked for.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DataError } from "../errors.js";
import type { TextSource } from "./source.js";

export interface WordVectors {
  /** Numbers per word. */
  dim: number;
  /** The wanted words found in the file, each with its vector (the first line of a word wins). */
  vectors: Map<string, Float32Array>;
  /** Words in the file (wanted or not). */
  total: number;
}

/** Reads `source`, keeping the vectors of the words `wanted` accepts. */
export async function readVectors(source: TextSource, wanted: (word: string) => boolean): Promise<WordVectors> {
  const file = "path" in source ? source.path : (source.name ?? "<string>");
  const vectors = new Map<string, Float32Array>();
  let dim = 0;
  let total = 0;
  let lineNo = 0;
  for await (const raw of lines(source)) {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    const cols = line.trim().split(/ +/);
    if (lineNo === 1 && cols.length === 2 && /^\d+$/.test(cols[0]!) && /^\d+$/.test(cols[1]!)) {
      dim = Number(cols[1]); // word2vec's header: count and dimension
      continue;
    }
    const width = cols.length - 1;
    if (width < 1)
      throw new DataError(
        "expected a word followed by its numbers, separated by spaces, got a line with no numbers; is this a GloVe or word2vec text file?",
        file,
        lineNo,
      );
    if (dim === 0) dim = width;
    if (width !== dim)
      throw new DataError(
        `expected ${dim} numbers after the word (as on the lines before), got ${width}; every vector must have the same length`,
        file,
        lineNo,
      );
    total++;
    const word = cols[0]!;
    if (!wanted(word) || vectors.has(word)) continue;
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) {
      const x = Number(cols[i + 1]);
      if (!Number.isFinite(x))
        throw new DataError(`expected a number in column ${i + 2}, got something else; the vectors must be plain decimal numbers`, file, lineNo);
      v[i] = x;
    }
    vectors.set(word, v);
  }
  if (total === 0) throw new DataError("expected word vectors (a word and its numbers per line), got none; is this a GloVe or word2vec text file?", file);
  return { dim, vectors, total };
}

async function* lines(source: TextSource): AsyncGenerator<string> {
  if ("text" in source) {
    yield* source.text.split("\n");
    return;
  }
  const stream = createReadStream(source.path, { encoding: "utf8" });
  try {
    yield* createInterface({ input: stream, crlfDelay: Infinity });
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new DataError(`expected a readable file of word vectors, got ${reason}; check data.vectors`, source.path);
  } finally {
    stream.destroy();
  }
}
