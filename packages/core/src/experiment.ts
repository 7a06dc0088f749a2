// Experiment glue: an ExperimentConfig in, a training run out (runExperiment); a checkpoint in,
// a usable model out (loadModel) for the CLI's sample/score/tag/classify and the web playground.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { webgpuBindingLimit } from "./backend-webgpu.js";
import type { Activation } from "./cells/index.js";
import { decodeCheckpoint, loadParameters } from "./checkpoint.js";
import type { ExperimentConfig } from "./config.js";
import { parseExperimentConfig } from "./config.js";
import { loadExperimentData } from "./data/datasets.js";
import { CHAR_SPECIALS, fitCharAlphabet } from "./data/char-alphabet.js";
import { describeCoverage, pretrainedRows } from "./data/pretrained.js";
import { checkDeviceLimits, checkExperimentData } from "./experiment-checks.js";
import type { Tokenizer } from "./data/tokenizer.js";
import { tokenizerFromJSON } from "./data/tokenizers.js";
import { BOS, EOS, UNK, PAD } from "./data/vocabulary.js";
import { tagDecoder } from "./decoding.js";
import { ConfigError, DataError } from "./errors.js";
import type { AnyModel, ClassifierConfig, LanguageModelConfig, ModelConfig, TaggerConfig } from "./models/index.js";
import { Classifier, createModel, LanguageModel, Tagger } from "./models/index.js";
import { deriveSeed } from "./random.js";
import type { SampleOptions } from "./sampling.js";
import { generate } from "./sampling.js";
import { compareEmbeddings, type EmbeddingComparison, type Neighbour } from "./diagnostics/embeddings.js";
import { statesOverText, type UnitTrace } from "./diagnostics/states-over-text.js";
import type { Sample, TrainEvent } from "./train/events.js";
import { LMTask } from "./train/lm-task.js";
import { DEFAULT_LR_PATIENCE } from "./train/selection.js";
import { DEFAULT_WORD_DROPOUT } from "./train/word-dropout.js";
import { ClassifierTask, TaggerTask } from "./train/sequence-tasks.js";
import type { Task, TaskKind } from "./train/task.js";
import type { TrainResult } from "./train/trainer.js";
import { train } from "./train/trainer.js";
import { runRefOf } from "./model-init.js";
import { describeWarmStart, warmStart } from "./warm-start.js";

export interface RunExperimentOptions {
  /** Where named corpora live (the CLI passes $UNROLL_DATA_DIR). */
  dataDir?: string;
  /** Base for relative file paths in `data` (default: the process's cwd). */
  baseDir?: string;
  signal?: AbortSignal;
  /** A checkpoint written by an earlier run of the same config, to continue from. */
  resume?: Uint8Array;
  /** With `resume`: the run's best checkpoint, so that the test split is scored with its weights. */
  resumeBest?: Uint8Array;
  /**
   * The checkpoint model.init names, when the caller has read it (the runner reads `run:ID` from
   * its database). Without it, model.init is read as a file path (relative to baseDir).
   */
  init?: Uint8Array;
  onEvent: (e: TrainEvent) => void | Promise<void>;
}

/**
 * The model section of an experiment config as the model's own config. With model.chars, `alphabet`
 * is the character alphabet fitted on the train split (fitCharAlphabet); it travels in the model
 * config, so a checkpoint spells unseen words as training did.
 */
export function modelConfigOf(config: ExperimentConfig, sizes: { vocabSize: number; numLabels?: number; alphabet?: readonly string[] }): ModelConfig {
  const m = config.model;
  if (m.chars && config.task !== "lm" && !sizes.alphabet)
    throw new ConfigError("model.chars needs the character alphabet of the train split: pass sizes.alphabet = fitCharAlphabet(train words)", "model.chars");
  const chars = m.chars && sizes.alphabet && config.task !== "lm" ? { chars: { ...m.chars, alphabet: [...sizes.alphabet] } } : {};
  const common = {
    vocabSize: sizes.vocabSize,
    cell: m.cell,
    activation: m.activation as Activation,
    embeddingSize: m.embeddingSize,
    hiddenSize: m.hiddenSize,
    layers: m.layers,
    dropout: m.dropout,
  };
  switch (config.task) {
    case "lm":
      return { ...common, tied: m.tied } satisfies LanguageModelConfig;
    case "tagger":
      return { ...common, numTags: sizes.numLabels ?? 0, bidirectional: m.bidirectional, ...chars } satisfies TaggerConfig;
    case "classifier":
      return { ...common, numClasses: sizes.numLabels ?? 0, bidirectional: m.bidirectional, pooling: m.pooling ?? "last", ...chars } satisfies ClassifierConfig;
  }
}

/** Build data, model and trainer from a config, and train (or resume), reporting events. */
export async function runExperiment(
  input: unknown,
  { dataDir, baseDir, signal, resume, resumeBest, init, onEvent: report }: RunExperimentOptions,
): Promise<TrainResult> {
  const config = parseExperimentConfig(input);
  const loaded = loadExperimentData(config, { dataDir, baseDir });
  checkExperimentData(config, loaded);
  checkDeviceLimits(config, loaded, webgpuBindingLimit());
  const { tokenizer } = loaded;
  const warnings = [...loaded.warnings];
  const labels = loaded.task === "tagger" ? [...loaded.data.tags.tokens] : loaded.task === "classifier" ? loaded.data.labels : undefined;
  // character features spell words with the characters of the train split's raw tokens
  const alphabet = config.model.chars && loaded.task !== "lm" ? fitCharAlphabet(loaded.data.train.map((x) => x.words)) : undefined;
  const modelConfig = modelConfigOf(config, { vocabSize: tokenizer.vocabulary.size, numLabels: labels?.length, alphabet });
  if (resume) checkSameData(resume, tokenizer, labels);
  // Pretrained vectors start E (a resumed run's E comes from its checkpoint): read before any tensor exists.
  const vectorsFile = config.data.vectors && !resume ? resolve(baseDir ?? process.cwd(), config.data.vectors) : undefined;
  const pretrained = vectorsFile ? await pretrainedRows(vectorsFile, tokenizer.vocabulary, config.model.embeddingSize) : undefined;
  if (pretrained) warnings.push(describeCoverage(pretrained.coverage));
  // model.init's checkpoint (a resumed run's weights come from its own checkpoint instead)
  const initFrom = config.model.init && !resume ? (init ?? (await readInitFile(config.model.init, baseDir))) : undefined;
  // The data's warnings (IOB2 tags repaired, say) and the vectors' coverage travel with the start
  // event to whoever shows progress (and so does what model.init copied, added below).
  const onEvent = (e: TrainEvent) => report(e.type === "start" && warnings.length ? { ...e, warnings } : e);
  const model = createModel(config.task, modelConfig, deriveSeed(config.train.seed, 1));
  if (pretrained) model.encoder.load(pretrained.rows);
  if (initFrom) {
    const v = tokenizer.vocabulary;
    const target = {
      params: model.params,
      tokens: v.tokens,
      specials: v.specials,
      alphabet: alphabet && [...alphabet],
      charSpecials: CHAR_SPECIALS,
      parts: config.model.initParts,
    };
    try {
      warnings.push(describeWarmStart(warmStart(initFrom, target, config.model.init!)));
    } catch (error) {
      model.dispose(); // a refused start (other sizes) leaves no tensors behind in a long-running worker
      throw error;
    }
  }
  if (config.model.freezeEmbeddings) model.params.freeze("encoder.weight");
  const t = config.train;
  // singletons read as <unk> in training (train/word-dropout.ts); by default with character features only
  const wordDropout = { p: t.wordDropout ?? (config.model.chars ? DEFAULT_WORD_DROPOUT : 0), unk: tokenizer.vocabulary.idOf(UNK) };
  let task: Task;
  if (loaded.task === "lm") {
    task = new LMTask(model as LanguageModel, loaded.data, { batchSize: t.batchSize, bptt: t.bptt });
  } else if (loaded.task === "tagger") {
    const examples = (xs: typeof loaded.data.train) => xs.map((x) => ({ ids: x.tokens, tags: x.tags, words: x.words }));
    const d = loaded.data;
    task = new TaggerTask(
      model as Tagger,
      { train: examples(d.train), valid: examples(d.valid), test: examples(d.test) },
      { batchSize: t.batchSize, seed: t.seed, wordDropout },
      labels,
    );
  } else {
    const examples = (xs: typeof loaded.data.train) => xs.map((x) => ({ ids: x.tokens, label: x.label, words: x.words }));
    const d = loaded.data;
    task = new ClassifierTask(
      model as Classifier,
      { train: examples(d.train), valid: examples(d.valid), test: examples(d.test) },
      { batchSize: t.batchSize, seed: t.seed, wordDropout },
    );
  }
  const sample =
    model instanceof LanguageModel
      ? async (): Promise<Sample[]> => {
          const s = config.sample;
          const options = { maxLength: s.maxLength, temperature: s.temperature, topK: s.topK, topP: s.topP, seed: s.seed };
          const out: Sample[] = [];
          for (const prompt of s.prompts) out.push({ prompt, text: (await generateText(model, tokenizer, { ...options, prompt }))[0] ?? "", options });
          return out;
        }
      : undefined;
  try {
    return await train({
      task,
      config: { ...t, lrPatience: t.lrPatience ?? DEFAULT_LR_PATIENCE[t.optimizer] },
      onEvent,
      signal,
      resume,
      resumeBest,
      sample,
      startConfig: config,
      meta: { task: config.task, model: { ...modelConfig }, config, tokenizer: tokenizer.toJSON(), labels },
    });
  } finally {
    task.dispose();
    model.dispose();
  }
}

/** model.init's checkpoint file; `run:ID` only the runner can read (it has the database). */
async function readInitFile(ref: string, baseDir: string | undefined): Promise<Uint8Array> {
  if (runRefOf(ref) !== undefined)
    throw new ConfigError(
      `${ref} names a tracked run's checkpoint, which the runner reads from its database (unroll train, unroll worker); here give a checkpoint file instead (unroll export RUN --out DIR writes DIR/model.safetensors)`,
      "model.init",
    );
  const file = resolve(baseDir ?? process.cwd(), ref);
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new ConfigError(
      `cannot read the checkpoint ${file} (${why}): give the path of a .safetensors checkpoint, e.g. from unroll export RUN --out DIR`,
      "model.init",
    );
  }
}

function checkSameData(resume: Uint8Array, tokenizer: Tokenizer, labels: string[] | undefined): void {
  const { metadata } = decodeCheckpoint(resume);
  const saved = (metadata.tokenizer as { vocabulary?: { tokens?: string[] } } | undefined)?.vocabulary?.tokens;
  if (saved && JSON.stringify(saved) !== JSON.stringify(tokenizer.vocabulary.tokens)) {
    throw new DataError("the data gives a different vocabulary than the checkpoint's; resume with the same data and tokenizer settings");
  }
  if (metadata.labels && JSON.stringify(metadata.labels) !== JSON.stringify(labels))
    throw new DataError("the data gives different labels than the checkpoint's; resume with the same data");
}

/**
 * The context a language model starts from and the token that ends a sentence. A word stream
 * (word_language_model) ends every line with </s> and never contains <s>, so the learned
 * sentence-start context is </s>; a character stream starts lines after "\n". Otherwise <s>.
 */
function lmContext(tokenizer: Tokenizer): { start: number; end: number } {
  const v = tokenizer.vocabulary;
  const start = tokenizer.kind === "word" ? v.idOf(EOS) : v.has("\n") ? v.idOf("\n") : v.idOf(BOS);
  const end = tokenizer.kind === "char" && v.has("\n") ? v.idOf("\n") : v.idOf(EOS);
  return { start, end };
}

/**
 * Prompt + continuation as text, n samples. Generation stops at </s>, except that a sample from
 * an empty prompt has at least one token: without a prompt, a word LM trained on WikiText (whose
 * empty lines make </s> after </s> likely) would often end at once with "".
 */
async function generateText(model: LanguageModel, tokenizer: Tokenizer, o: SampleOptions & { prompt?: string }): Promise<string[]> {
  const { start } = lmContext(tokenizer);
  const prompt = o.prompt ? tokenizer.encode(o.prompt) : [];
  const v = tokenizer.vocabulary;
  // Never targets in training: <pad>, <s>; and for a character stream also <unk> (its vocabulary
  // holds every training character) and </s> (a stream has no sentence ends: it runs to maxLength).
  const never = tokenizer.kind === "char" ? [PAD, BOS, UNK, EOS] : [PAD, BOS];
  const banned = never.filter((t) => v.has(t)).map((t) => v.idOf(t));
  const ids = await generate(model, { minLength: prompt.length === 0 ? 1 : 0, ...o, start, stop: v.idOf(EOS), prompt, banned });
  return ids.map((seq) => tokenizer.decode([...prompt, ...seq]));
}

export interface TokenScore {
  token: string;
  logProb: number;
}

/** A trained model restored from a checkpoint, with what its task can do. */
/** States over a text as loadModel gives them: tokens as text. */
export interface TextStates {
  tokens: string[];
  traces: UnitTrace[];
  /** Language models: the most likely next tokens after each position. */
  next?: { token: string; p: number }[][];
}

/** Embeddings, tied vs untied, as loadModel gives them: tokens as text. */
export interface WordEmbeddings extends Omit<EmbeddingComparison, "neighbours"> {
  word: string;
  neighbours: { input: { token: string; similarity: number }[]; output?: { token: string; similarity: number }[] };
}

export interface LoadedModel {
  task: TaskKind;
  /** The experiment config it was trained with. */
  config: unknown;
  modelConfig: ModelConfig;
  params: number;
  step: number;
  metrics: Record<string, number>;
  tokenizer: Tokenizer;
  labels?: string[];
  /** LM: n texts, each the prompt followed by what the model wrote. */
  generate?(options: SampleOptions & { prompt?: string }): Promise<string[]>;
  /** LM: natural-log probability of the text (and of each token, the end token included), with perplexity. */
  score?(text: string): Promise<{ logProb: number; perplexity: number; tokens: TokenScore[] }>;
  /** Tagger: one tag per word. */
  tag?(text: string | readonly string[]): Promise<{ token: string; tag: string }[]>;
  /** Classifier: the most likely label and every label's probability. */
  classify?(text: string): Promise<{ label: string; probabilities: Record<string, number> }>;
  /** LM: a word's nearest neighbours in E and (untied) in V, and how alike E and V are (diagnostics/embeddings.ts). */
  embeddings?(word: string, options?: { k?: number }): Promise<WordEmbeddings>;
  /** Every hidden unit (and gate) over the text's tokens; a language model's top-k next tokens too (diagnostics/states-over-text.ts). */
  states(text: string, options?: { topK?: number }): Promise<TextStates>;
  dispose(): void;
}

/** Restore a model from checkpoint bytes (a training checkpoint or an exported model.safetensors + metadata). */
export function loadModel(bytes: Uint8Array): LoadedModel {
  const ckpt = decodeCheckpoint(bytes);
  const m = ckpt.metadata;
  if (!m.tokenizer) throw new DataError("this checkpoint has no tokenizer; load a checkpoint written by runExperiment");
  const tokenizer = tokenizerFromJSON(m.tokenizer);
  const model: AnyModel = createModel(m.task, m.model as unknown as ModelConfig);
  loadParameters(model.params, ckpt.tensors);
  const states = async (text: string, { topK }: { topK?: number } = {}): Promise<TextStates> => {
    // a language model reads its start token first, as when it scores a sentence
    const words = tokenizer.split(text); // raw tokens: what character features spell
    const ids = [...(model instanceof LanguageModel ? [lmContext(tokenizer).start] : []), ...tokenizer.encodeTokens(words)];
    const s = await statesOverText(model, ids, { topK, words });
    const tokenOf = (id: number) => tokenizer.vocabulary.tokenOf(id);
    return { tokens: ids.map(tokenOf), traces: s.traces, ...(s.next ? { next: s.next.map((row) => row.map((n) => ({ token: tokenOf(n.id), p: n.p }))) } : {}) };
  };
  const base = {
    task: m.task,
    config: m.config,
    modelConfig: model.config,
    params: model.params.count(),
    step: m.step,
    metrics: m.metrics,
    tokenizer,
    labels: m.labels,
    states,
    dispose: () => model.dispose(),
  };
  const labelOf = (i: number) => m.labels?.[i] ?? String(i);
  if (model instanceof LanguageModel) {
    return {
      ...base,
      generate: (o) => generateText(model, tokenizer, o),
      embeddings: async (word, { k } = {}) => {
        const [id] = tokenizer.encodeTokens([word]); // unknown words: <unk>'s row
        const c = await compareEmbeddings(model, id ?? 0, { k });
        const named = (ns: Neighbour[]) => ns.map((n) => ({ token: tokenizer.vocabulary.tokenOf(n.id), similarity: n.similarity }));
        return {
          ...c,
          word: tokenizer.vocabulary.tokenOf(id ?? 0),
          neighbours: { input: named(c.neighbours.input), ...(c.neighbours.output ? { output: named(c.neighbours.output) } : {}) },
        };
      },
      score: async (text) => {
        const { start, end } = lmContext(tokenizer);
        const ids = tokenizer.encode(text);
        const { logProb, tokenLogProbs } = await model.scoreSentence(ids, start, end);
        const tokens = [...ids, end].map((id, i) => ({ token: tokenizer.vocabulary.tokenOf(id), logProb: tokenLogProbs[i] ?? 0 }));
        return { logProb, perplexity: Math.exp(-logProb / tokens.length), tokens };
      },
    };
  }
  if (model instanceof Tagger) {
    return {
      ...base,
      tag: async (text) => {
        const words = typeof text === "string" ? tokenizer.split(text) : [...text]; // raw: character features see the capitals
        if (words.length === 0) return [];
        // log-probabilities [1, T, K], decoded as in evaluation: the best valid IOB2 sequence for NER, else argmax
        const logProbs = tf.tidy(() =>
          tf.logSoftmax(model.forward(tf.tensor2d([tokenizer.encodeTokens(words)], [1, words.length], "int32"), undefined, { words: [words] })),
        );
        const scores = await logProbs.data();
        logProbs.dispose();
        const tags = tagDecoder(m.labels ?? Array.from({ length: model.config.numTags }, (_, k) => String(k))).decode(scores, words.length);
        return words.map((token, i) => ({ token, tag: labelOf(tags[i] ?? 0) }));
      },
    };
  }
  if (model instanceof Classifier) {
    return {
      ...base,
      classify: async (text) => {
        const words = tokenizer.split(text); // raw tokens: what character features spell
        const ids = tokenizer.encodeTokens(words);
        const T = Math.max(ids.length, 1);
        const probs = tf.tidy(() => {
          const x = tf.tensor2d([ids.length ? ids : [0]], [1, T], "int32");
          const mask = tf.tensor2d([ids.length ? ids.map(() => 1) : [0]], [1, T]);
          return tf.softmax(model.forward(x, mask, { words: [ids.length ? words : [""]] }));
        });
        const p = Array.from(await probs.data());
        probs.dispose();
        const best = p.indexOf(Math.max(...p));
        return { label: labelOf(best), probabilities: Object.fromEntries(p.map((v, i) => [labelOf(i), v])) };
      },
    };
  }
  throw new ConfigError(`unknown task ${String(m.task)} in checkpoint`);
}
