// How much memory training a config takes, estimated from its sizes before anything is built, and
// the refusal (with the numbers and the fix) when that is more than a training process has.
// Pure: the config schema checks every config with the smallest data it could have (so the
// web form, the CLI and the api refuse a hiddenSize of a million at once), and runExperiment
// checks again with the real vocabulary and sequence lengths once the data is read.
import type { ExperimentConfig } from "./config.js";
import { CHAR_SPECIALS } from "./data/char-alphabet.js";
import { classifierParamCount, gatesOf, languageModelParamCount, taggerParamCount } from "./param-count.js";

/**
 * What one training process may use: the wasm backend's whole address space (wasm32, 4 GiB),
 * and more than any model in the examples needs (the largest, a 2-layer word LSTM on
 * WikiText-2, takes about 1.5 GiB).
 */
export const TRAINING_MEMORY_LIMIT_BYTES = 4 * 2 ** 30;

/** What the data adds to the model's size. */
export interface DataSizes {
  /** Tokens in the vocabulary, the 4 specials included. */
  vocabSize: number;
  /** Tags (tagger) or classes (classifier); unused for a language model. */
  numLabels: number;
  /** Steps in the longest training sequence: min(bptt, rows - 1) for an LM, the longest sentence otherwise. */
  sequenceLength: number;
  /** Characters in the alphabet of character features (model.chars), its specials included (default: the specials alone). */
  alphabetSize?: number;
}

/** Characters of a word, for the activations of character features: an estimate (English words average about 5). */
const WORD_CHARS = 8;

export interface TrainingMemory {
  params: number;
  /** Weights and gradients, plus Adam's two moments. */
  paramBytes: number;
  /** Activations of one training step, kept for the backward pass, and their gradients. */
  activationBytes: number;
  totalBytes: number;
}

type Sized = Pick<ExperimentConfig, "task" | "model" | "train"> & { tokenizer?: { maxVocab?: number | undefined } };

const FLOAT = 4;

export function estimateTrainingMemory(config: Sized, sizes: DataSizes): TrainingMemory {
  const m = config.model;
  const chars = m.chars && config.task !== "lm" ? { alphabetSize: sizes.alphabetSize ?? CHAR_SPECIALS.length, ...m.chars } : undefined;
  const common = { vocabSize: sizes.vocabSize, cell: m.cell, embeddingSize: m.embeddingSize, hiddenSize: m.hiddenSize, layers: m.layers, chars };
  const params =
    config.task === "lm"
      ? languageModelParamCount({ ...common, tied: m.tied })
      : config.task === "tagger"
        ? taggerParamCount({ ...common, numTags: sizes.numLabels, bidirectional: m.bidirectional })
        : classifierParamCount({ ...common, numClasses: sizes.numLabels, bidirectional: m.bidirectional });
  const copies = config.train.optimizer === "adam" ? 4 : 2;
  const B = config.train.batchSize;
  const T = sizes.sequenceLength;
  const dirs = m.bidirectional ? 2 : 1;
  // Per token: the embedding, each layer's projected inputs, gates and states, and (LM, tagger)
  // the logits, their softmax and its gradient; a classifier has its outputs once per sequence.
  const rnn = m.layers * dirs * (2 * gatesOf(m.cell) + 2) * m.hiddenSize;
  // character features: each character's embedding, and the char BiLSTM's gates and states (at most one word per token)
  const charRNN = chars ? WORD_CHARS * (chars.embeddingSize + 2 * (2 * gatesOf("lstm") + 2) * chars.hiddenSize) + 2 * chars.hiddenSize : 0;
  const perToken = m.embeddingSize + charRNN + rnn + (config.task === "lm" ? 3 * sizes.vocabSize : config.task === "tagger" ? 3 * sizes.numLabels : 0);
  const perSequence = config.task === "classifier" ? 2 * dirs * m.hiddenSize + 3 * sizes.numLabels : 0;
  const activations = 2 * B * (T * perToken + perSequence); // forward values and their gradients
  const paramBytes = FLOAT * copies * params;
  const activationBytes = FLOAT * activations;
  return { params, paramBytes, activationBytes, totalBytes: paramBytes + activationBytes };
}

/** The smallest data a config could meet: every config the schema accepts fits at least this. */
export function smallestData(config: Sized): DataSizes {
  return { vocabSize: 5, numLabels: 2, sequenceLength: config.task === "lm" ? config.train.bptt : 1 };
}

export interface MemoryIssue {
  /** The field to change first. */
  path: string;
  message: string;
}

/** Undefined when training fits in `limit`; else what it needs and the largest values that fit. */
export function trainingMemoryIssue(config: Sized, sizes: DataSizes, limit = TRAINING_MEMORY_LIMIT_BYTES): MemoryIssue | undefined {
  const need = estimateTrainingMemory(config, sizes);
  if (need.totalBytes <= limit) return undefined;
  const fixes = fixesFor(config, sizes, need, limit);
  const { batchSize } = config.train;
  const what =
    `training needs about ${formatBytes(need.totalBytes)} (${formatCount(need.params)} parameters: ${formatBytes(need.paramBytes)} with ${config.train.optimizer} state; ` +
    `activations of ${batchSize} x ${sizes.sequenceLength.toLocaleString("en-US")} tokens: ${formatBytes(need.activationBytes)}), more than the ${formatBytes(limit)} a training process can use`;
  const how = fixes.length ? `: set ${fixes.map((f) => f.text).join(", or ")}` : ": make the model and batches smaller";
  return { path: fixes[0]?.path ?? (need.paramBytes >= need.activationBytes ? "model.hiddenSize" : "train.batchSize"), message: `${what}${how}` };
}

interface Fix {
  path: string;
  text: string;
}

/** For the fields that drive the bigger part, the largest value that fits with everything else kept. */
function fixesFor(config: Sized, sizes: DataSizes, need: TrainingMemory, limit: number): Fix[] {
  const fits = (c: Sized, s: DataSizes = sizes) => estimateTrainingMemory(c, s).totalBytes <= limit;
  const withModel = (patch: Partial<Sized["model"]>): Sized => ({ ...config, model: { ...config.model, ...patch } });
  const withTrain = (patch: Partial<Sized["train"]>): Sized => ({ ...config, train: { ...config.train, ...patch } });
  const tied = config.task === "lm" && config.model.tied;
  const hidden = {
    path: "model.hiddenSize",
    label: tied ? "model.hiddenSize and model.embeddingSize (tied)" : "model.hiddenSize",
    current: config.model.hiddenSize,
    fits: (v: number) => fits(withModel(tied ? { hiddenSize: v, embeddingSize: v } : { hiddenSize: v })),
  };
  const bptt = {
    path: "train.bptt",
    label: "train.bptt",
    current: config.train.bptt,
    fits: (v: number) => fits(withTrain({ bptt: v }), { ...sizes, sequenceLength: Math.min(v, sizes.sequenceLength) }),
  };
  const batch = { path: "train.batchSize", label: "train.batchSize", current: config.train.batchSize, fits: (v: number) => fits(withTrain({ batchSize: v })) };
  const embedding = {
    path: "model.embeddingSize",
    label: "model.embeddingSize",
    current: config.model.embeddingSize,
    fits: (v: number) => fits(withModel({ embeddingSize: v })),
  };
  const vocab = {
    path: "tokenizer.maxVocab",
    label: "tokenizer.maxVocab",
    current: sizes.vocabSize,
    fits: (v: number) => fits(config, { ...sizes, vocabSize: v }),
  };
  const model = [hidden, ...(tied ? [] : [embedding]), ...(sizes.vocabSize > 5 ? [vocab] : [])];
  const batches = [...(config.task === "lm" ? [bptt] : []), batch];
  const candidates = need.paramBytes >= need.activationBytes ? [...model, ...batches] : [...batches, ...model];
  const out: Fix[] = [];
  for (const c of candidates) {
    const low = c.path === "tokenizer.maxVocab" ? 5 : 1;
    if (!c.fits(low)) continue;
    let [lo, hi] = [low, c.current]; // fits(lo), not fits(hi)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (c.fits(mid)) lo = mid;
      else hi = mid;
    }
    out.push({ path: c.path, text: `${c.label} to at most ${lo.toLocaleString("en-US")} (now ${c.current.toLocaleString("en-US")})` });
  }
  return out.slice(0, 2);
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) [v, i] = [v / 1024, i + 1];
  return i === 0 ? `${v} bytes` : `${Number(v.toPrecision(3))} ${units[i]}`;
}

function formatCount(n: number): string {
  if (n >= 1e12) return `${Number((n / 1e12).toPrecision(3))} trillion`;
  if (n >= 1e9) return `${Number((n / 1e9).toPrecision(3))} billion`;
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))} million`;
  return n.toLocaleString("en-US");
}
