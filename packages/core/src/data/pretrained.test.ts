// Pretrained word vectors (GloVe / word2vec text): read as a stream, checked line by line, loaded
// into E for the words they cover (lowercased when that is all that matches), frozen or trained,
// with the coverage reported.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "../cells/testing.js";
import { decodeCheckpoint } from "../checkpoint.js";
import { ConfigError, DataError } from "../errors.js";
import { runExperiment } from "../experiment.js";
import type { TrainEvent } from "../train/events.js";
import { Vocabulary } from "./vocabulary.js";
import { pretrainedRows } from "./pretrained.js";
import { readVectors } from "./vectors-reader.js";

beforeAll(useCpu);

const dir = mkdtempSync(join(tmpdir(), "unroll-vectors-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const all = () => true;

describe("readVectors", () => {
  it("reads GloVe lines and word2vec's header; keeps only the wanted words; the first line of a word wins", async () => {
    const glove = await readVectors({ text: "the 0.5 -1 2e-1\ncat 1 2 3\nthe 9 9 9\n\n" }, (w) => w === "the");
    expect(glove.dim).toBe(3);
    expect(glove.total).toBe(3);
    expect([...glove.vectors.keys()]).toEqual(["the"]);
    expect(Array.from(glove.vectors.get("the")!)).toEqual([0.5, -1, Math.fround(0.2)]);
    const w2v = await readVectors({ path: file("w2v.txt", "2 2\r\nhello 1 2 \r\nworld 3 4\r\n") }, all);
    expect(w2v.dim).toBe(2);
    expect(Array.from(w2v.vectors.get("hello")!)).toEqual([1, 2]);
    expect(w2v.total).toBe(2);
  });

  it("names the file and line of a bad vector, without quoting it", async () => {
    const short = readVectors({ text: "a 1 2 3\nsecret 1 2\n", name: "v.txt" }, all);
    await expect(short).rejects.toThrow(DataError);
    await expect(short).rejects.toThrow(
      /^v\.txt:2: expected 3 numbers after the word \(as on the lines before\), got 2; every vector must have the same length$/,
    );
    await expect(readVectors({ text: "a 1 x 3\n", name: "v.txt" }, all)).rejects.toThrow(/^v\.txt:1: expected a number in column 3, got something else/);
    await expect(readVectors({ text: "lonely\n", name: "v.txt" }, all)).rejects.toThrow(/^v\.txt:1: expected a word followed by its numbers/);
    await expect(readVectors({ text: "\n\n", name: "v.txt" }, all)).rejects.toThrow(/^v\.txt: expected word vectors .* got none/);
    await expect(readVectors({ path: join(dir, "nope.txt") }, all)).rejects.toThrow(/nope\.txt: expected a readable file of word vectors, got ENOENT/);
  });

  it("pretrainedRows: rows by token id, exact before lowercased, specials never; a size that differs is a ConfigError naming the fix", async () => {
    const vocab = new Vocabulary(["<pad>", "<unk>", "The", "cat", "Zebra", "<s>"], ["<pad>", "<unk>", "<s>"]);
    const path = file("rows.txt", "the 1 1\nThe 2 2\ncat 3 3\n<unk> 4 4\n<s> 5 5\n");
    const { rows, coverage } = await pretrainedRows(path, vocab, 2);
    expect([...rows.keys()].sort()).toEqual([2, 3]);
    expect(Array.from(rows.get(2)!)).toEqual([2, 2]); // "The" as written, not "the"
    expect(coverage).toEqual({ file: path, words: 3, exact: 2, lowercased: 0 });
    const lower = await pretrainedRows(file("lower.txt", "the 1 1\nzebra 7 7\n"), vocab, 2);
    expect(lower.coverage).toMatchObject({ exact: 0, lowercased: 2 });
    expect(Array.from(lower.rows.get(4)!)).toEqual([7, 7]);
    const wide = pretrainedRows(path, vocab, 3);
    await expect(wide).rejects.toThrow(ConfigError);
    await expect(wide).rejects.toThrow(
      /^model\.embeddingSize: the vectors in .*rows\.txt have 2 numbers, the model's embeddings 3: set model\.embeddingSize=2/,
    );
  });
});

describe("runExperiment with data.vectors", () => {
  const train = file("train.txt", Array.from({ length: 40 }, (_, i) => (i % 2 ? "the cat sat on the Mat" : "a dog saw the cat")).join("\n") + "\n");
  // d = 8; "mat" only lowercased; "zebra" is in no text
  const vec = (k: number) => Array.from({ length: 8 }, (_, i) => ((k * 8 + i) % 7) / 10 - 0.3);
  const vectors = file(
    "vectors.txt",
    [
      ["the", 1],
      ["cat", 2],
      ["mat", 3],
      ["zebra", 4],
    ]
      .map(([w, k]) => `${w} ${vec(k as number).join(" ")}`)
      .join("\n") + "\n",
  );
  const config = (freeze: boolean) => ({
    task: "lm",
    data: { format: "text", train, vectors },
    tokenizer: { kind: "word" },
    model: { embeddingSize: 8, hiddenSize: 8, freezeEmbeddings: freeze },
    train: { batchSize: 2, bptt: 4, maxSteps: 10, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0, seed: 1 },
  });
  async function trained(freeze: boolean) {
    const events: TrainEvent[] = [];
    await runExperiment(config(freeze), { onEvent: (e) => void events.push(e) });
    const start = events.find((e) => e.type === "start") as Extract<TrainEvent, { type: "start" }>;
    const last = events.filter((e): e is Extract<TrainEvent, { type: "checkpoint" }> => e.type === "checkpoint").pop()!;
    const ckpt = decodeCheckpoint(last.data);
    const tokens = (ckpt.metadata.tokenizer as { vocabulary: { tokens: string[] } }).vocabulary.tokens;
    const E = ckpt.tensors.get("encoder.weight")!;
    const row = (word: string) => Array.from(E.data.slice(tokens.indexOf(word) * 8, tokens.indexOf(word) * 8 + 8));
    return { start, row, ckpt };
  }

  it("frozen: E keeps the vectors of the covered words through training; the coverage is reported", async () => {
    const { start, row } = await trained(true);
    expect(start.warnings).toContainEqual(
      expect.stringMatching(/^vectors: 3 of \d+ vocabulary words \([\d.]+%, 1 of them lowercased\) from .*vectors\.txt; the rest start random$/),
    );
    expect(row("the")).toEqual(vec(1).map(Math.fround));
    expect(row("cat")).toEqual(vec(2).map(Math.fround));
    expect(row("Mat")).toEqual(vec(3).map(Math.fround));
  });

  it("fine-tuned: E starts from the vectors and moves", async () => {
    const { row } = await trained(false);
    const moved = row("the").map((x, i) => Math.abs(x - Math.fround(vec(1)[i]!)));
    expect(Math.max(...moved)).toBeGreaterThan(1e-4);
    expect(Math.max(...moved)).toBeLessThan(0.5); // started there: a few small steps away
  });

  it("vectors of another size are refused before training, naming model.embeddingSize", async () => {
    const narrow = file("narrow.txt", "the 1 2\n");
    await expect(runExperiment({ ...config(false), data: { format: "text", train, vectors: narrow } }, { onEvent: () => {} })).rejects.toThrow(
      /model\.embeddingSize: the vectors in .*narrow\.txt have 2 numbers, the model's embeddings 8/,
    );
  });
});
