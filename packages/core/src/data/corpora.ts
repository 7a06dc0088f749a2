// The corpora Unroll knows by name: what task they serve, how they are stored, where each split
// is, and whose they are. Pure data (no file access) so the config schema and the web form can
// use it; registry.ts resolves the names to files.

export type Task = "lm" | "tagger" | "classifier";
export type DataFormat = "text" | "chars" | "conllu" | "iob2" | "tsv";
export type Split = "train" | "valid" | "test";

export const CORPUS_NAMES = ["tiny-shakespeare", "wikitext-2", "ud-english-ewt", "uner-english-ewt", "sst2"] as const;
export type CorpusName = (typeof CORPUS_NAMES)[number];

export interface CorpusInfo {
  name: CorpusName;
  task: Task;
  format: DataFormat;
  /** Directory under the data directory. */
  dir: string;
  /** File of each split inside `dir`; a missing split is absent (see `note`). */
  files: Partial<Record<Split, string>>;
  /**
   * Splits carved out of one file by fraction of its units (characters for a character
   * tokenizer, lines for words, sentences for tagging): `[from, to)` for each split.
   */
  fractions?: Record<Split, readonly [number, number]>;
  /** Ships inside packages/core/data (only public-domain text may). */
  shipped: boolean;
  licence: string;
  attribution: string;
  /** Anything a user must know (a missing split, say). */
  note?: string;
}

/** 90 % / 5 % / 5 %, in file order, no shuffling: the same split on every machine. */
export const SPLIT_90_5_5: Record<Split, readonly [number, number]> = { train: [0, 0.9], valid: [0.9, 0.95], test: [0.95, 1] };

/** Train on the first 90 % of the dev file, validate on the last 10 % (UNER has no train file). */
export const DEV_AS_TRAIN_FRACTIONS: { train: readonly [number, number]; valid: readonly [number, number] } = { train: [0, 0.9], valid: [0.9, 1] };

export const CORPORA: Readonly<Record<CorpusName, CorpusInfo>> = {
  "tiny-shakespeare": {
    name: "tiny-shakespeare",
    task: "lm",
    format: "chars",
    dir: "tiny-shakespeare",
    files: { train: "input.txt" },
    fractions: SPLIT_90_5_5,
    shipped: true,
    licence: "public domain",
    attribution: "Shakespeare's works as concatenated by Andrej Karpathy for char-rnn (github.com/karpathy/char-rnn, data/tinyshakespeare)",
    note: "one file; split deterministically 90/5/5 by characters (by lines for a word tokenizer) in file order",
  },
  "wikitext-2": {
    name: "wikitext-2",
    task: "lm",
    format: "text",
    dir: "wikitext-2",
    files: { train: "train.txt", valid: "valid.txt", test: "test.txt" },
    shipped: false,
    licence: "CC BY-SA 3.0",
    attribution: "WikiText-2 (Merity et al. 2016, Pointer Sentinel Mixture Models), as in pytorch/examples word_language_model/data",
  },
  "ud-english-ewt": {
    name: "ud-english-ewt",
    task: "tagger",
    format: "conllu",
    dir: "ud-english-ewt",
    files: { train: "en_ewt-ud-train.conllu", valid: "en_ewt-ud-dev.conllu", test: "en_ewt-ud-test.conllu" },
    shipped: false,
    licence: "CC BY-SA 4.0",
    attribution: "Universal Dependencies English Web Treebank v2.15 (Silveira et al. 2014; universaldependencies.org)",
  },
  "uner-english-ewt": {
    name: "uner-english-ewt",
    task: "tagger",
    format: "iob2",
    dir: "uner-english-ewt",
    files: { valid: "en_ewt-ud-dev.iob2", test: "en_ewt-ud-test.iob2" },
    shipped: false,
    licence: "CC BY-SA 4.0",
    attribution: "Universal NER v1, English EWT (Mayhew et al. 2024, NAACL; universalner.org)",
    note: "no train split in this copy: set data.devAsTrain to train on 90 % of dev and validate on the other 10 %",
  },
  sst2: {
    name: "sst2",
    task: "classifier",
    format: "tsv",
    dir: "sst2",
    files: { train: "train.tsv", valid: "dev.tsv", test: "test.tsv" },
    shipped: false,
    licence: "research dataset; licence not stated in the source; do not redistribute",
    attribution: "Stanford Sentiment Treebank, binary sentence level (Socher et al. 2013)",
  },
};

/** The task each file format serves. */
export const FORMAT_TASK: Readonly<Record<DataFormat, Task>> = {
  text: "lm",
  chars: "lm",
  conllu: "tagger",
  iob2: "tagger",
  tsv: "classifier",
};

export function isCorpusName(name: string): name is CorpusName {
  return (CORPUS_NAMES as readonly string[]).includes(name);
}
