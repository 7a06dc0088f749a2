// @unroll/core: the textbook's RNNs in TensorFlow.js, what a notebook or a script needs: config,
// data, models, training, sampling, checkpoints, backends. Importing this module has no side
// effects: call initBackend() once before training or inference.

export { UnrollError, ConfigError, ShapeError, DataError, BackendError, DeviceError, TrainingError } from "./errors.js";

// Configuration: one schema for the CLI, the runner, the API and the web form.
export { ExperimentConfigSchema, parseExperimentConfig, applyOverrides, configDiff, closest, CONFIG_LIMITS } from "./config.js";
export { estimateTrainingMemory, trainingMemoryIssue, smallestData, formatBytes, TRAINING_MEMORY_LIMIT_BYTES } from "./training-memory.js";
export type { DataSizes, TrainingMemory, MemoryIssue } from "./training-memory.js";
export { checkExperimentData, dataSizes } from "./experiment-checks.js";
export { resolveDataFiles } from "./data/data-files.js";
export type { DataFilesOptions } from "./data/data-files.js";
export type { ExperimentConfig, ExperimentConfigInput, DataConfig, ConfigDifference } from "./config.js";

// Metrics over plain arrays.
export { tokenAccuracy, accuracy, confusionMatrix, macroF1, perplexity, extractEntities, entityScores, taggingReport } from "./metrics.js";
export type { Entity, EntityScores, PrecisionRecallF1, TaggingReport, TypeScores } from "./metrics.js";

// Data: vocabularies, tokenizers, readers, the corpus registry, datasets.
export { Vocabulary, PAD, UNK, BOS, EOS } from "./data/vocabulary.js";
export type { VocabularyJSON } from "./data/vocabulary.js";
export { Tokenizer, TOKENIZER_SPECIALS } from "./data/tokenizer.js";
export type { TokenizerKind, TokenizerOptions, TokenizerJSON } from "./data/tokenizer.js";
export { CharTokenizer } from "./data/char-tokenizer.js";
export { WordTokenizer } from "./data/word-tokenizer.js";
export { createTokenizer, tokenizerFromJSON } from "./data/tokenizers.js";
export type { TextSource } from "./data/source.js";
export { readLines, readWordStream, readCharStream, splitWords } from "./data/text-reader.js";
export { readConllu } from "./data/conllu-reader.js";
export type { ConlluSentence, TagColumn } from "./data/conllu-reader.js";
export { readIob2 } from "./data/iob2-reader.js";
export type { Iob2Options } from "./data/iob2-reader.js";
export type { TaggedSentence } from "./data/tagged-sentence.js";
export { readTsv, labelSet } from "./data/tsv-reader.js";
export type { LabelledText } from "./data/tsv-reader.js";
export { CORPORA, CORPUS_NAMES, FORMAT_TASK, SPLIT_90_5_5, isCorpusName } from "./data/corpora.js";
export type { CorpusName, CorpusInfo, Task, DataFormat, Split } from "./data/corpora.js";
export { defaultDataDir, DATA_DIR_ENV } from "./data/data-dir.js";
export { resolveCorpus, resolveData, SHIPPED_DATA_DIR } from "./data/registry.js";
export type { ResolvedCorpus, SplitSource, ResolveOptions } from "./data/registry.js";
export { loadLanguageModelData, loadTaggerData, loadClassifierData, loadExperimentData } from "./data/datasets.js";
export type { LanguageModelData, TaggerData, ClassifierData, TaggedExample, ClassifiedExample, ExperimentData, LoadOptions } from "./data/datasets.js";

// Backends: call once before training or inference.
export { initBackend, tensorMemory, BACKEND_NAMES, DEFAULT_BACKEND_ORDER } from "./backend.js";
export type { BackendInfo, BackendName, BackendOptions } from "./backend.js";

// Numerical building blocks with wasm-fast gradients, for models of your own. The kernels behind
// them (registration, the native addon's switch and status) are `@unroll/core/kernels`.
export { softmaxCrossEntropy, embeddingLookup } from "./ops/index.js";

// Experiments: a config in, a trained model out; a checkpoint in, a usable model out.
export { runExperiment, loadModel, modelConfigOf } from "./experiment.js";
export type { RunExperimentOptions, LoadedModel, TokenScore, TextStates, WordEmbeddings } from "./experiment.js";
// Warm start (model.init): a model's front from another model's checkpoint.
export { warmStart, describeWarmStart } from "./warm-start.js";
export { initRunRefs, runRefOf, WARM_START_PARTS, type WarmStartPart } from "./model-init.js";
export type { WarmStartReport, WarmStartTarget } from "./warm-start.js";

// Diagnostics (issue 15): gradient norm through time, loss by position, states over a text.
export { gradThroughTime, lmGradThroughTime, taggerGradThroughTime, classifierGradThroughTime } from "./diagnostics/grad-through-time.js";
export type { GradThroughTime, StateGradNorms } from "./diagnostics/grad-through-time.js";
export { probeDiagnostics, probeGradThroughTime } from "./diagnostics/probe.js";
export type { Diagnostics } from "./diagnostics/probe.js";
export type { LossByPosition } from "./diagnostics/loss-by-position.js";
export { statesOverText } from "./diagnostics/states-over-text.js";
export type { StatesOverText, UnitTrace, NextToken } from "./diagnostics/states-over-text.js";
export { compareEmbeddings, nearestNeighbours } from "./diagnostics/embeddings.js";
export type { EmbeddingComparison, Neighbour } from "./diagnostics/embeddings.js";
export type { TrainEvent, Sample } from "./train/events.js";
export type { TrainResult } from "./train/trainer.js";

// Models, generation and checkpoints, for notebook use.
export { LanguageModel, Tagger, Classifier, createModel, paramCount } from "./models/index.js";
export type { ClassifierConfig, LanguageModelConfig, TaggerConfig, ModelConfig, AnyModel, Pooling } from "./models/index.js";
export { generate, pickToken, LMStepper } from "./sampling.js";
export type { SampleOptions, GenerateOptions } from "./sampling.js";
export {
  encodeCheckpoint,
  decodeCheckpoint,
  readTensors,
  loadParameters,
  tensorsUnder,
  exportCheckpoint,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
} from "./checkpoint.js";
export type { Checkpoint, CheckpointMetadata, TensorData } from "./checkpoint.js";

// Building blocks: cells, layers, parameters, seeded randomness.
export { ElmanCell, LSTMCell, GRUCell, createCell, runCell, zeroState, cellParamCount } from "./cells/index.js";
export type { Cell, CellKind, CellState, Activation, PreparedCell } from "./cells/index.js";
export { StackedRNN, disposeState } from "./layers/stacked.js";
export type { RNNState, StackedRNNConfig } from "./layers/stacked.js";
export { RecurrentLayer } from "./layers/bidirectional.js";
export { Embedding } from "./layers/embedding.js";
export { CharEncoder, spellBatch } from "./layers/char-encoder.js";
export type { CharFeaturesConfig, BatchWords, SpeltBatch } from "./layers/char-encoder.js";
export { fitCharAlphabet, charsOf, CHAR_SPECIALS } from "./data/char-alphabet.js";
export type { WordInputs } from "./models/embedded-rnn.js";
export { dropout } from "./layers/dropout.js";
export { Parameters } from "./params.js";
export { Rng, deriveSeed } from "./random.js";

// Training below runExperiment: tasks, batching, optimizers.
export { train } from "./train/trainer.js";
export type { TrainConfig, TrainOptions, TrainerState } from "./train/trainer.js";
export { LMTask } from "./train/lm-task.js";
export { TaggerTask, ClassifierTask } from "./train/sequence-tasks.js";
export { isIOB2, tagDecoder, argmaxDecoder, iob2Decoder, iob2Transitions, invalidTransitions } from "./decoding.js";
export type { TagDecoder, DecodingKind } from "./decoding.js";
export type { Task as TrainTask, TaskKind, Split as EvalSplit } from "./train/task.js";
export { batchify, lmChunk, lmChunkCount, bucketBatches, padBatch } from "./train/batching.js";
export { dropWords, singletonIds, DEFAULT_WORD_DROPOUT } from "./train/word-dropout.js";
export type { WordDropout } from "./train/word-dropout.js";
export { SGD, Adam, createOptimizer, globalNorm, gradientScale } from "./train/optimizers.js";
export type { Optimizer } from "./train/optimizers.js";
