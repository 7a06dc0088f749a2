// A resolved corpus and a tokenizer become what the models eat: plain number arrays, no tensors.
// The vocabulary is learnt from the training split only; valid and test map unseen tokens to <unk>.
import { ConfigError, DataError } from "../errors.js";
import type { ExperimentConfig } from "../config.js";
import { readConllu } from "./conllu-reader.js";
import type { Split } from "./corpora.js";
import { readIob2 } from "./iob2-reader.js";
import { resolveData, type ResolvedCorpus, type SplitSource } from "./registry.js";
import type { TaggedSentence } from "./tagged-sentence.js";
import { readCharStream, readLines } from "./text-reader.js";
import type { Tokenizer } from "./tokenizer.js";
import { createTokenizer } from "./tokenizers.js";
import { labelSet, readTsv, type LabelledText } from "./tsv-reader.js";
import { EOS, PAD, Vocabulary } from "./vocabulary.js";

const SPLITS = ["train", "valid", "test"] as const;

export interface LanguageModelData {
  vocabulary: Vocabulary;
  /** Token ids of each split as one stream (a word stream has `</s>` after every line). */
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

export interface TaggedExample {
  tokens: number[];
  tags: number[];
  /** The raw token behind each id, as in the file (character features spell these: an <unk> keeps its word). */
  words: string[];
}

export interface TaggerData {
  vocabulary: Vocabulary;
  /** `<pad>` at id 0, then every tag seen in any split, sorted. */
  tags: Vocabulary;
  train: TaggedExample[];
  valid: TaggedExample[];
  test: TaggedExample[];
}

export interface ClassifiedExample {
  tokens: number[];
  label: number;
  /** The raw token behind each id, before lowercasing (what character features spell). */
  words: string[];
}

export interface ClassifierData {
  vocabulary: Vocabulary;
  /** Class names; a label id is an index here (see `labelSet` for the order). */
  labels: string[];
  train: ClassifiedExample[];
  valid: ClassifiedExample[];
  test: ClassifiedExample[];
}

export interface LoadOptions {
  /** Sequences per batch: a language model's train split needs 2 x batchSize tokens (default 1). */
  batchSize?: number;
  /** Receives what was read differently from what the file says (IOB2 tags repaired, say). */
  warnings?: string[];
}

/**
 * Token-id streams for a language model. A char tokenizer reads each file as one character
 * stream; a word tokenizer reads lines and ends each with `</s>` (WikiText's `<eos>`). Fits the
 * tokenizer on the train split, which must fill two rows of batchSize columns.
 */
export function loadLanguageModelData(corpus: ResolvedCorpus, tokenizer: Tokenizer, { batchSize = 1 }: LoadOptions = {}): LanguageModelData {
  expectTask(corpus, "lm");
  let parts: Record<Split, string[][]>;
  if (tokenizer.kind === "char") {
    parts = splitUnits(corpus, (file) => [tokenizer.tokenize(readCharStream({ path: file }))], true);
  } else {
    parts = splitUnits(corpus, (file) => readLines({ path: file }).map((line) => [...tokenizer.tokenize(line), EOS]), false);
  }
  expectTokens(corpus, parts, batchSize);
  const vocabulary = tokenizer.fitTokens(parts.train);
  const stream = (units: string[][]) => Int32Array.from(units.flatMap((u) => vocabulary.encode(u)));
  return { vocabulary, train: stream(parts.train), valid: stream(parts.valid), test: stream(parts.test) };
}

/** Sentences of token ids and tag ids for a tagger (CoNLL-U or IOB2). Fits the tokenizer on train. */
export function loadTaggerData(corpus: ResolvedCorpus, tokenizer: Tokenizer, { warnings }: LoadOptions = {}): TaggerData {
  expectTask(corpus, "tagger");
  if (tokenizer.kind !== "word")
    throw new ConfigError("expected a word tokenizer for tagging (one tag per word), got a char tokenizer; set tokenizer.kind=word", "tokenizer.kind");
  const read = (file: string): TaggedSentence[] =>
    corpus.format === "conllu" ? readConllu({ path: file }, { tagColumn: corpus.tagColumn ?? "upos" }) : readIob2({ path: file }, { warnings });
  const parts = splitUnits(corpus, read, false);
  expectTraining(corpus, parts.train);
  const vocabulary = tokenizer.fitTokens(parts.train.map((s) => s.tokens));
  const allTags = SPLITS.flatMap((split) => parts[split].flatMap((s) => s.tags));
  if (allTags.includes(PAD)) throw new DataError(`expected tags other than ${PAD} (reserved for padding), got ${PAD} in the data; rename that tag`);
  const tags = new Vocabulary([PAD, ...[...new Set(allTags)].sort()], [PAD]);
  const examples = (sentences: TaggedSentence[]): TaggedExample[] =>
    sentences.map((s) => ({ tokens: tokenizer.encodeTokens(s.tokens), tags: tags.encode(s.tags), words: s.tokens }));
  return { vocabulary, tags, train: examples(parts.train), valid: examples(parts.valid), test: examples(parts.test) };
}

/** Texts as token ids with a label id each (TSV). Fits the tokenizer on train. */
export function loadClassifierData(corpus: ResolvedCorpus, tokenizer: Tokenizer): ClassifierData {
  expectTask(corpus, "classifier");
  const parts = splitUnits(corpus, (file) => readTsv({ path: file }), false);
  expectTraining(corpus, parts.train);
  const vocabulary = tokenizer.fit(parts.train.map((r) => r.text));
  const labels = labelSet(SPLITS.flatMap((split) => parts[split].map((r) => r.label)));
  const ids = new Map(labels.map((l, i) => [l, i]));
  const examples = (rows: LabelledText[]): ClassifiedExample[] =>
    rows.map((r) => {
      const words = tokenizer.split(r.text);
      return { tokens: tokenizer.encodeTokens(words), label: ids.get(r.label) ?? -1, words };
    });
  return { vocabulary, labels, train: examples(parts.train), valid: examples(parts.valid), test: examples(parts.test) };
}

interface Loaded {
  corpus: ResolvedCorpus;
  tokenizer: Tokenizer;
  /** What the user should hear about the data (IOB2 tags read as B-, say); empty when nothing. */
  warnings: string[];
}

export type ExperimentData =
  | (Loaded & { task: "lm"; data: LanguageModelData })
  | (Loaded & { task: "tagger"; data: TaggerData })
  | (Loaded & { task: "classifier"; data: ClassifierData });

/** Everything a run needs from its config's data and tokenizer sections; the tokenizer comes back fitted. */
export function loadExperimentData(config: ExperimentConfig, options: { dataDir?: string; baseDir?: string } = {}): ExperimentData {
  const corpus = resolveData(config.data, options);
  const { kind, lowercase, minFrequency, maxVocab } = config.tokenizer;
  const tokenizer = createTokenizer(kind, { ...(kind === "word" ? { lowercase } : {}), minFrequency, ...(maxVocab !== undefined ? { maxVocab } : {}) });
  const warnings: string[] = [];
  const load = { batchSize: config.train.batchSize, warnings };
  switch (config.task) {
    case "lm":
      return { task: "lm", corpus, tokenizer, warnings, data: loadLanguageModelData(corpus, tokenizer, load) };
    case "tagger":
      return { task: "tagger", corpus, tokenizer, warnings, data: loadTaggerData(corpus, tokenizer, load) };
    case "classifier":
      return { task: "classifier", corpus, tokenizer, warnings, data: loadClassifierData(corpus, tokenizer) };
  }
}

/**
 * Each split's units (characters, lines, sentences, rows), reading every file once. A fraction
 * `[from, to)` keeps units `floor(n * from)` up to `floor(n * to)`; `flat` slices inside the one
 * unit a character stream is read as.
 */
function splitUnits<T>(corpus: ResolvedCorpus, read: (file: string) => T[], flat: boolean): Record<Split, T[]> {
  const cache = new Map<string, T[]>();
  const units = (source: SplitSource | undefined): T[] => {
    if (!source) return [];
    let all = cache.get(source.file);
    if (!all) cache.set(source.file, (all = read(source.file)));
    if (!source.fraction) return all;
    const [from, to] = source.fraction;
    if (flat) return all.map((u) => (Array.isArray(u) ? (slice(u, from, to) as T) : u));
    return slice(all, from, to);
  };
  return { train: units(corpus.splits.train), valid: units(corpus.splits.valid), test: units(corpus.splits.test) };
}

function slice<T>(items: readonly T[], from: number, to: number): T[] {
  return items.slice(Math.floor(items.length * from), Math.floor(items.length * to));
}

function expectTask(corpus: ResolvedCorpus, task: ResolvedCorpus["task"]): void {
  if (corpus.task !== task) {
    throw new ConfigError(
      `expected data for a ${task}, got ${corpus.name} (${corpus.format}, for a ${corpus.task}); set task=${corpus.task} or choose data for ${task}`,
      "task",
    );
  }
}

/** A tagger's or classifier's train split needs one example. */
function expectTraining(corpus: ResolvedCorpus, train: readonly unknown[]): void {
  if (train.length > 0) return;
  const unit =
    corpus.task === "tagger"
      ? `sentences (${corpus.format === "conllu" ? "CoNLL-U token lines" : "token TAB tag lines"}, a blank line after each)`
      : "lines (text TAB label)";
  throw new DataError(`expected at least 1 training example, got 0${trainSplitOf(corpus)}: the file needs ${unit}`, corpus.splits.train?.file);
}

/** A language model's train split fills at least two rows of batchSize columns (batchify). */
function expectTokens(corpus: ResolvedCorpus, parts: Record<Split, string[][]>, batchSize: number): void {
  const count = (units: string[][]) => units.reduce((n, u) => n + u.length, 0);
  const have = count(parts.train);
  const need = 2 * batchSize;
  if (have >= need) return;
  const total = corpus.splits.train?.fraction
    ? SPLITS.reduce((n, s) => n + (corpus.splits[s]?.file === corpus.splits.train?.file ? count(parts[s]) : 0), 0)
    : have;
  const smaller = Math.floor(have / 2);
  const fix = smaller >= 1 ? `add text, or set train.batchSize to at most ${smaller}` : "add text";
  throw new DataError(
    `expected at least ${need} training tokens (2 rows of train.batchSize = ${batchSize}), got ${have}${trainSplitOf(corpus, total)}: ${fix}`,
    corpus.splits.train?.file,
  );
}

/** Where the train split came from, for messages: the whole file, or a fraction of it. */
function trainSplitOf(corpus: ResolvedCorpus, total?: number): string {
  const train = corpus.splits.train;
  if (!train?.fraction) return "";
  const [from, to] = train.fraction;
  const share = `${Math.round((to - from) * 100)}%`;
  return ` in the train split (the first ${share} of the file${total !== undefined ? `, which has ${total} token${total === 1 ? "" : "s"}` : ""}${corpus.name === "custom" ? "; give data.valid or data.test to train on all of it" : ""})`;
}
