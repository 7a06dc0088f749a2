// One experiment configuration for the CLI, the runner, the API and the web form. Defaults make
// `{ task: "lm", data: { corpus: "tiny-shakespeare" } }` a small, fast character LSTM.
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { CORPORA, CORPUS_NAMES, FORMAT_TASK, isCorpusName } from "./data/corpora.js";
import { CELL_KINDS, currentCellName } from "./cells/kinds.js";
import { tyingIssue } from "./models/tying.js";
import { WARM_START_PARTS } from "./model-init.js";
import { smallestData, trainingMemoryIssue } from "./training-memory.js";

/** Thrown for a config that cannot work; here too so that browser-safe callers can `instanceof` it. */
export { ConfigError };
export { MAIN_METRICS, judgedBy, type MainMetric } from "./main-metrics.js";
export { initRunRefs } from "./model-init.js";

const int = (min: number) => z.number().int().min(min);

/** Sizes of the config's own free text and lists (the run's names and tags: @unroll/db's RUN_LIMITS). */
export const CONFIG_LIMITS = {
  /** Characters in a data file path (Linux's PATH_MAX). */
  path: 4096,
  /** Prompts sampled at each sample step. */
  prompts: 20,
  /** Characters in one prompt. */
  prompt: 1000,
  /** Tokens generated per prompt. */
  sampleLength: 10_000,
  /** Levels of nesting: a config is sections of fields, and sample.prompts a list (3 levels). */
  depth: 8,
} as const;

const path = () => z.string().min(1).max(CONFIG_LIMITS.path);
/** Either data branch may name pretrained vectors. */
const vectorsPath = () =>
  path().optional().describe("Pretrained word vectors (GloVe or word2vec text format) to start the embeddings from; their size must be model.embeddingSize");

const CorpusDataSchema = z
  .strictObject({
    corpus: z.enum(CORPUS_NAMES).describe(`A corpus Unroll knows by name: ${CORPUS_NAMES.join(", ")}`),
    tagColumn: z.enum(["upos", "xpos"]).optional().describe("CoNLL-U only: tag with universal POS (upos, the default) or language-specific POS (xpos)"),
    devAsTrain: z
      .boolean()
      .optional()
      .describe("For a corpus without a train split (uner-english-ewt): train on the first 90% of dev and validate on the last 10%"),
    vectors: vectorsPath(),
  })
  .describe("A named corpus, found in the data directory (UNROLL_DATA_DIR)");

const FilesDataSchema = z
  .strictObject({
    format: z
      .enum(["text", "chars", "conllu", "iob2", "tsv"])
      .describe("text: one sequence per line (LM); chars: raw text (char LM); conllu, iob2: tagging; tsv: text<TAB>label"),
    train: path().describe("Training file path"),
    valid: path().optional().describe("Validation file path; with neither valid nor test, train is split 90/5/5 in file order"),
    test: path().optional().describe("Test file path"),
    tagColumn: z.enum(["upos", "xpos"]).optional().describe("CoNLL-U only: which POS column to tag with (default upos)"),
    vectors: vectorsPath(),
  })
  .describe("Your own files");

const TokenizerSchema = z
  .strictObject({
    kind: z
      .enum(["char", "word"])
      .default("char")
      .describe(
        "char: every character is a token; word: whitespace-separated words. When unset: char for a language model on raw characters (format chars, tiny-shakespeare), else word",
      ),
    lowercase: z.boolean().default(false).describe("Word tokenizer only: lowercase the text"),
    minFrequency: int(1).default(1).describe("Tokens seen fewer times in training text become <unk>"),
    maxVocab: int(5).optional().describe("Largest vocabulary, the 4 specials <pad> <unk> <s> </s> included (default: no limit)"),
  })
  .describe("How text becomes tokens");

const CharsSchema = z
  .strictObject({
    embeddingSize: int(1).max(1024).default(25).describe("Width of each character's embedding (Lample et al. 2016: 25)"),
    hiddenSize: int(1)
      .max(1024)
      .default(25)
      .describe("Character LSTM state per direction; a word's character representation is twice this wide (Lample et al. 2016: 25)"),
  })
  .describe(
    "Tagger and classifier only: character features. A character BiLSTM reads each word's raw spelling (its first and last states, concatenated, join the word embedding: Lample et al. 2016, Plank et al. 2016), so rare and unseen words, which share <unk>'s embedding, keep a representation of their own (suffixes, capitals). Off when absent; {} turns it on with the defaults",
  );

const ModelSchema = z
  .strictObject({
    cell: z.enum(CELL_KINDS).default("lstm").describe("Recurrent cell: elman (the simple RNN), lstm or gru"),
    activation: z.enum(["tanh", "relu"]).default("tanh").describe("Elman cell only: h_t = act(U h_{t-1} + W x_t)"),
    layers: int(1).max(8).default(1).describe("Stacked recurrent layers"),
    embeddingSize: int(1).default(64).describe("Width of the token embeddings"),
    hiddenSize: int(1).default(128).describe("Width of each recurrent layer's state"),
    bidirectional: z.boolean().default(false).describe("Read the sequence both ways (taggers, classifiers)"),
    tied: z.boolean().default(false).describe("LM only: share the embedding and output weights (Press & Wolf 2017); needs embeddingSize = hiddenSize"),
    dropout: z.number().min(0).lt(1).default(0).describe("Dropout probability between layers"),
    freezeEmbeddings: z
      .boolean()
      .optional()
      .describe("Keep the embeddings as they start (pretrained vectors: data.vectors) instead of training them (default false)"),
    pooling: z.enum(["last", "mean", "max"]).optional().describe("Classifier only: how the states become one sentence vector (default last)"),
    chars: CharsSchema.optional(),
    init: path()
      .optional()
      .describe(
        "Start from a trained model: an Unroll checkpoint file (a .safetensors checkpoint, or `unroll export`'s model.safetensors), or run:ID for a tracked run's best checkpoint (the runner reads it from the database). The embeddings start from its rows of the same words (as written, else lowercased), the character encoder from its characters, and the recurrent layers from its tensors of the same names, which must have the same sizes; the output layer starts fresh. Any task to any task: a NER tagger from a POS tagger, a classifier from a language model",
      ),
    initParts: z
      .array(z.enum(WARM_START_PARTS))
      .min(1)
      .optional()
      .describe(
        'What model.init copies: "embeddings" (rows of E by word), "chars" (the character encoder) and "rnn" (the recurrent layers); default all three. ["embeddings"] takes a language model\'s word vectors into a model whose layers differ (a tagger with character features, say)',
      ),
  })
  .describe("The network");

const TrainSchema = z
  .strictObject({
    optimizer: z.enum(["sgd", "adam"]).default("adam").describe("sgd as in word_language_model, or adam"),
    lr: z.number().positive().default(0.002).describe("Learning rate (char-rnn: 2e-3 with adam; word_language_model: 20 with sgd)"),
    clip: z.number().positive().default(5).describe("Clip the global gradient norm to this"),
    lrDecay: z.number().min(1).default(4).describe("Divide the learning rate by this when the task's main metric stops improving on validation (1 = never)"),
    lrPatience: int(0)
      .optional()
      .describe("Validations without improvement before the learning rate is divided (default: 0 with sgd, at once as word_language_model; 2 with adam)"),
    patience: int(0).optional().describe("Stop early after this many validations in a row without improvement of the task's main metric (absent or 0: never)"),
    wordDropout: z
      .number()
      .min(0)
      .lt(1)
      .optional()
      .describe(
        "Tagger and classifier only: in training, each occurrence of a token seen once in the train split reads as <unk> with this probability (Lample et al. 2016), so that <unk>'s embedding, which a vocabulary of every training word never trains, learns what unseen words look like. Default 0.5 with model.chars (the paper's recipe: the characters still spell the dropped word), 0 without (the model would lose the word altogether)",
      ),
    batchSize: int(1).default(32).describe("Sequences per batch"),
    bptt: int(1).default(64).describe("LM only: steps of truncated backpropagation through time"),
    epochs: int(1).default(1).describe("Passes over the training data"),
    maxSteps: int(1).optional().describe("Stop after this many optimizer steps, even mid-epoch"),
    seed: int(0).default(42).describe("Random seed for initialisation, batching and dropout"),
    evalEvery: int(0).default(200).describe("Steps between validation runs (0: at the end of each epoch only)"),
    sampleEvery: int(0).default(500).describe("LM only: steps between generated samples (0: never)"),
    checkpointEvery: int(0).default(1000).describe("Steps between checkpoints (0: at the end only)"),
    evalBatches: int(1).optional().describe("Validate on at most this many batches (default: all)"),
    diagnostics: z
      .boolean()
      .default(true)
      .describe("At each validation, the gradient norm through time ||dL/dh_t|| on a fixed probe batch (run page, unroll show --json)"),
  })
  .describe("The training loop");

const SampleSchema = z
  .strictObject({
    prompts: z
      .array(z.string().max(CONFIG_LIMITS.prompt))
      .min(1)
      .max(CONFIG_LIMITS.prompts)
      .default([""])
      .describe('Fixed prompts to continue at each sample step ("" starts from nothing)'),
    maxLength: int(1).max(CONFIG_LIMITS.sampleLength).default(200).describe("Tokens to generate per prompt"),
    temperature: z.number().positive().default(1).describe("Divide the logits by this before softmax (< 1: safer, > 1: wilder)"),
    topK: int(1).optional().describe("Sample only among the k most likely tokens"),
    topP: z.number().gt(0).max(1).optional().describe("Sample only among the most likely tokens whose probabilities sum to p (nucleus)"),
    seed: int(0).default(1234).describe("Random seed for sampling"),
  })
  .describe("Text generation during and after training (LM only)");

const ConfigShape = z.strictObject({
  name: z.string().min(1).optional().describe("A name to find the run by"),
  task: z.enum(["lm", "tagger", "classifier"]).describe("lm: predict the next token; tagger: a tag per token; classifier: a label per text"),
  data: z.union([CorpusDataSchema, FilesDataSchema]).describe("What to train on: { corpus } or { format, train, valid?, test? }"),
  tokenizer: TokenizerSchema.prefault({}),
  model: ModelSchema.prefault({}),
  train: TrainSchema.prefault({}),
  sample: SampleSchema.prefault({}),
});

const TASK_NAME = { lm: "a language model", tagger: "a tagger", classifier: "a classifier" } as const;

/** Combinations that cannot work, each with why and what to change. */
function checkCombinations(c: z.output<typeof ConfigShape>, ctx: z.RefinementCtx): void {
  const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: path.split("."), message });
  const { task, data, tokenizer, model, train } = c;
  const format = "corpus" in data ? CORPORA[data.corpus].format : data.format;

  if ("corpus" in data) {
    const info = CORPORA[data.corpus];
    if (info.task !== task) {
      const fits = CORPUS_NAMES.filter((n) => CORPORA[n].task === task).join(", ");
      fail(
        "data.corpus",
        `corpus ${data.corpus} is for ${TASK_NAME[info.task]}, but task is ${task}: set task=${info.task}, or pick a corpus for ${task}: ${fits}`,
      );
    }
    if (data.devAsTrain && info.files.train)
      fail("data.devAsTrain", `devAsTrain is for a corpus without a train split, and ${data.corpus} has one: remove data.devAsTrain`);
    if (!info.files.train && !data.devAsTrain)
      fail(
        "data.devAsTrain",
        `corpus ${data.corpus} has no train split in this data set: set data.devAsTrain=true to train on the first 90% of dev and validate on its last 10%, or give your own files with { format, train, valid, test }`,
      );
  } else if (FORMAT_TASK[data.format] !== task) {
    const fits = Object.entries(FORMAT_TASK)
      .filter(([, t]) => t === task)
      .map(([f]) => f)
      .join(" or ");
    fail(
      "data.format",
      `format ${data.format} holds data for ${TASK_NAME[FORMAT_TASK[data.format]]}, but task is ${task}: set task=${FORMAT_TASK[data.format]}, or use format ${fits}`,
    );
  }
  if (data.tagColumn !== undefined && format !== "conllu")
    fail("data.tagColumn", `tagColumn picks a CoNLL-U POS column, but the data is ${format}: remove data.tagColumn`);

  if (tokenizer.kind === "char" && tokenizer.lowercase)
    fail(
      "tokenizer.lowercase",
      "lowercase is a word tokenizer option; a character model learns case itself: set tokenizer.lowercase=false or tokenizer.kind=word",
    );
  if (tokenizer.kind === "char" && task === "tagger")
    fail("tokenizer.kind", "a tagger gives one tag per word, so its tokens must be words: set tokenizer.kind=word");

  if (task === "lm" && model.bidirectional)
    fail(
      "model.bidirectional",
      "a language model predicts the next token, and a backward pass would let it see that token: set model.bidirectional=false (bidirectional is for taggers and classifiers)",
    );
  if (model.tied && task !== "lm")
    fail(
      "model.tied",
      `weight tying shares the embedding with the output layer over the vocabulary, which only a language model has; this is ${TASK_NAME[task]}: set model.tied=false`,
    );
  const tying = tyingIssue(model);
  if (tying) fail("model.tied", tying);
  if (model.pooling !== undefined && task !== "classifier")
    fail("model.pooling", `pooling turns states into one sentence vector for a classifier; this is ${TASK_NAME[task]}: remove model.pooling`);
  if (model.chars && task === "lm")
    fail(
      "model.chars",
      "character features spell each word for a tagger or a classifier; a language model predicts the next token of its vocabulary: remove model.chars (or set task=tagger or task=classifier)",
    );
  else if (model.chars && tokenizer.kind === "char")
    fail(
      "model.chars",
      "character features spell words, but tokenizer.kind=char already makes every character a token: set tokenizer.kind=word, or remove model.chars",
    );
  if (train.wordDropout !== undefined && train.wordDropout > 0 && task === "lm")
    fail(
      "train.wordDropout",
      "word dropout hides training words of a tagger or a classifier behind <unk>; a language model also predicts those words as targets: remove train.wordDropout",
    );
  if (model.initParts !== undefined && model.init === undefined)
    fail("model.initParts", "initParts says what model.init copies, and model.init is unset: set model.init to a checkpoint, or remove model.initParts");
  if (model.init !== undefined && data.vectors !== undefined && (model.initParts ?? WARM_START_PARTS).includes("embeddings"))
    fail(
      "model.init",
      'model.init and data.vectors would both start the word embeddings: keep one (remove data.vectors to start from the checkpoint\'s embeddings, or leave "embeddings" out of model.initParts)',
    );
  if (model.activation === "relu" && model.cell !== "elman")
    fail("model.activation", `${model.cell} has its own gate activations; relu applies to the Elman cell only: set model.activation=tanh or model.cell=elman`);

  // Even on the smallest data it could meet; runExperiment checks again with the real sizes.
  const memory = trainingMemoryIssue(c, smallestData(c));
  if (memory) fail(memory.path, memory.message);
}

const ExperimentConfigObject = ConfigShape.superRefine(checkCombinations);

/**
 * Before validation: fill the defaults that depend on the task (the tokenizer kind: char for a
 * language model on raw characters, word otherwise; a classifier's pooling: last), and read an
 * older name for the cell as today's (model.cell "rnn" is "elman").
 */
function fillTaskDefaults(input: unknown, ctx: z.RefinementCtx): unknown {
  const deep = tooDeep(input, CONFIG_LIMITS.depth);
  if (deep) {
    const shown = deep.length > 6 ? `${deep.slice(0, 6).join(".")}...` : deep.join(".");
    ctx.addIssue({
      code: "custom",
      path: deep.slice(0, 1),
      message: `the config nests more than ${CONFIG_LIMITS.depth} levels deep (at ${shown}); a config is sections of fields (model.hiddenSize) and sample.prompts a list of strings: remove the extra nesting`,
    });
    return input;
  }
  if (!isRecord(input)) return input;
  const out: Record<string, unknown> = { ...input };
  const data = isRecord(input.data) ? input.data : {};
  const format = typeof data.corpus === "string" && isCorpusName(data.corpus) ? CORPORA[data.corpus].format : data.format;
  const tokenizer = input.tokenizer === undefined ? {} : input.tokenizer;
  if (isRecord(tokenizer) && tokenizer.kind === undefined) {
    out.tokenizer = { ...tokenizer, kind: input.task === "lm" && format === "chars" ? "char" : "word" };
  }
  const model = input.model === undefined ? {} : input.model;
  if (!isRecord(model)) return out;
  const named = currentCellName(model.cell) === model.cell ? model : { ...model, cell: currentCellName(model.cell) };
  if (named !== model) out.model = named;
  if (input.task === "classifier" && model.pooling === undefined) out.model = { ...named, pooling: "last" };
  return out;
}

export const ExperimentConfigSchema = z.preprocess(fillTaskDefaults, ExperimentConfigObject).describe("An Unroll experiment");

export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;
/** What a user may write: every defaulted field optional. */
export type ExperimentConfigInput = z.input<typeof ExperimentConfigObject>;
export type DataConfig = ExperimentConfig["data"];

/**
 * The path to the first value nested deeper than `max` levels, or undefined. Iterative: a value
 * nested 100,000 deep is refused, not a stack overflow in the schema.
 */
function tooDeep(input: unknown, max: number): PropertyKey[] | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (path.length >= max) return path;
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: [...path, Array.isArray(value) ? Number(key) : key] });
  }
  return undefined;
}

/** Validate a config; the first problem becomes a ConfigError with its dotted path. */
export function parseExperimentConfig(input: unknown): ExperimentConfig {
  const result = ExperimentConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const [first, ...rest] = describeConfigIssues(result.error.issues, input);
  const more = rest.length ? ` (and ${rest.length} more: ${rest.map((p) => `${p.path || "(root)"}: ${p.message}`).join("; ")})` : "";
  throw new ConfigError(`${first?.message ?? "invalid config"}${more}`, first?.path || undefined);
}

/**
 * The schema's issues as `{ path, message }`, each saying what was expected, what was received and
 * how to fix it ("did you mean"). The one wording of config issues: the ConfigError above, and
 * through @unroll/domain the api and the web form.
 */
export function describeConfigIssues(issues: readonly z.core.$ZodIssue[], input: unknown): { path: string; message: string }[] {
  return issues.map((issue) => describeIssue(issue, input));
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: string; message: string } {
  // A union reports one list of issues per branch: report the branch that came closest.
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    const best = [...issue.errors].sort((x, y) => x.length - y.length)[0];
    const inner = best?.[0];
    if (inner) {
      const found = describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue, input);
      return { ...found, message: `${found.message} (${issue.path.join(".") || "it"} is either { corpus } or { format, train, valid?, test? })` };
    }
  }
  const path = issue.path.map(String).join(".");
  const received = valueAt(input, issue.path);
  const shown = received === undefined ? "nothing" : abbreviate(received);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeys(issue.path) ?? [];
      const keys = issue.keys.slice(0, 5);
      const hints = keys.map((k) => closest(k, known)).filter((k) => k !== undefined);
      const hint = hints.length ? `; did you mean ${hints.join(", ")}?` : "";
      const listed = `${keys.map((k) => (k.length > 60 ? `${k.slice(0, 60)}...` : k)).join(", ")}${issue.keys.length > keys.length ? ` and ${issue.keys.length - keys.length} more` : ""}`;
      return { path, message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${listed}${hint} Valid keys here: ${known.join(", ")}` };
    }
    case "invalid_type":
      return { path, message: `expected ${issue.expected}, received ${shown}${received === undefined ? `: set ${path || "it"}` : ""}` };
    case "invalid_value":
      return { path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, received ${shown}` };
    case "custom":
      return { path, message: issue.message };
    default:
      return { path, message: `${issue.message}; received ${shown}` };
  }
}

/** A received value for a message: JSON, cut to 80 characters. */
function abbreviate(value: unknown): string {
  if (tooDeep(value, CONFIG_LIMITS.depth)) return "a deeply nested value";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 80)}... (${json.length.toLocaleString("en-US")} characters)` : json;
}

/** The candidate nearest to `key` by edit distance, if it is near enough to be a typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Keys of the section at `path` (for unknown-key messages). */
function knownKeys(path: readonly PropertyKey[]): string[] | undefined {
  const shapes: Record<string, readonly string[]> = {
    "": Object.keys(ConfigShape.shape),
    data: [...new Set([...Object.keys(CorpusDataSchema.shape), ...Object.keys(FilesDataSchema.shape)])],
    tokenizer: Object.keys(TokenizerSchema.shape),
    model: Object.keys(ModelSchema.shape),
    "model.chars": Object.keys(CharsSchema.shape),
    train: Object.keys(TrainSchema.shape),
    sample: Object.keys(SampleSchema.shape),
  };
  const keys = shapes[path.map(String).join(".")];
  return keys ? [...keys] : undefined;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (!isRecord(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Apply `key=value` overrides (`train.lr=0.1`, `model.cell=gru`, `sample.prompts=["ROMEO:"]`) and
 * revalidate. Values are read by the type of the field: numbers, booleans (true/false), strings
 * as written, arrays as JSON. Setting `data.corpus` drops file fields and vice versa.
 */
export function applyOverrides(config: ExperimentConfigInput | ExperimentConfig, overrides: readonly string[]): ExperimentConfig {
  const next = structuredClone(config) as Record<string, unknown>;
  const leaves = leafSchemas();
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new ConfigError(`expected key=value (e.g. train.lr=0.1), got ${JSON.stringify(override)}; put = between the dotted key and its value`);
    const key = override.slice(0, eq).trim();
    const raw = override.slice(eq + 1).trim();
    const leaf = leaves.get(key);
    if (!leaf) throw new ConfigError(unknownKeyMessage(key, [...leaves.keys()]), key);
    const sections = key.split(".");
    const field = sections.pop() as string;
    const target = sections.reduce(sectionOf, next); // model.chars.hiddenSize: a field of a section of a section
    if (sections.length === 1 && sections[0] === "data") {
      const dropped =
        field === "corpus" || field === "devAsTrain"
          ? ["format", "train", "valid", "test"]
          : field === "tagColumn" || field === "vectors"
            ? []
            : ["corpus", "devAsTrain"];
      for (const k of dropped) delete target[k];
    }
    target[field] = readValue(raw, leaf);
  }
  return parseExperimentConfig(next);
}

/** One differing field of two configs. */
export interface ConfigDifference {
  key: string;
  a: unknown;
  b: unknown;
}

/** Fields whose values differ, as dotted keys in schema order (arrays compare as wholes). */
export function configDiff(a: unknown, b: unknown): ConfigDifference[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  return keys.filter((k) => JSON.stringify(fa.get(k)) !== JSON.stringify(fb.get(k))).map((key) => ({ key, a: fa.get(key), b: fb.get(key) }));
}

function flatten(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (!isRecord(value)) {
    if (prefix) out.set(prefix, value);
    return out;
  }
  for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** Every settable dotted key with the schema that validates it. */
function leafSchemas(): Map<string, z.ZodType> {
  const leaves = new Map<string, z.ZodType>();
  const add = (prefix: string, shape: Record<string, z.ZodType>) => {
    for (const [k, schema] of Object.entries(shape)) if (!leaves.has(`${prefix}${k}`)) leaves.set(`${prefix}${k}`, schema);
  };
  add("", { name: ConfigShape.shape.name, task: ConfigShape.shape.task });
  add("data.", CorpusDataSchema.shape);
  add("data.", FilesDataSchema.shape);
  add("tokenizer.", TokenizerSchema.shape);
  add("model.", ModelSchema.shape);
  add("model.chars.", CharsSchema.shape);
  add("train.", TrainSchema.shape);
  add("sample.", SampleSchema.shape);
  return leaves;
}

function unknownKeyMessage(key: string, valid: string[]): string {
  const fields = valid.filter((k) => k.startsWith(`${key}.`));
  if (fields.length > 0) return `${key} is a section, not a field: name one of its fields, e.g. ${fields[0]}=... (fields: ${fields.join(", ")})`;
  const section = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : ""; // model.chars for model.chars.size
  const nearby = valid.filter((k) => (section ? k.startsWith(`${section}.`) : true));
  const suggestion = closest(key, nearby.length ? nearby : valid);
  const list = nearby.length ? nearby : valid;
  return `unknown key ${key}${suggestion ? `; did you mean ${suggestion}?` : ""} Valid keys${nearby.length && section ? ` under ${section}` : ""}: ${list.join(", ")}`;
}

function sectionOf(config: Record<string, unknown>, section: string): Record<string, unknown> {
  const existing = config[section];
  const obj = isRecord(existing) ? existing : {};
  config[section] = obj;
  return obj;
}

/** Read an override value the way its field wants it. */
function readValue(raw: string, schema: z.ZodType): unknown {
  let type: string = schema.def.type;
  let inner: z.ZodType = schema;
  while (type === "optional" || type === "default" || type === "prefault") {
    inner = (inner.def as unknown as { innerType: z.ZodType }).innerType;
    type = inner.def.type;
  }
  const json = (): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  };
  if (type === "string" || type === "enum") return raw.startsWith('"') ? json() : raw;
  if (type === "number") return raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return json();
}
