// What a config needs from its data once the data is read: that training fits in memory with the
// real vocabulary, label count and sequence lengths (the schema checked it on the smallest data
// possible). runExperiment runs it before building the model; the CLI runs it before queueing.
import { ConfigError } from "./errors.js";
import type { ExperimentConfig } from "./config.js";
import type { ExperimentData } from "./data/datasets.js";
import { trainingMemoryIssue, type DataSizes } from "./training-memory.js";

/** The sizes the data gives the model and its batches. */
export function dataSizes(config: ExperimentConfig, loaded: ExperimentData): DataSizes {
  const vocabSize = loaded.tokenizer.vocabulary.size;
  if (loaded.task === "lm") {
    const rows = Math.floor(loaded.data.train.length / config.train.batchSize);
    return { vocabSize, numLabels: 0, sequenceLength: Math.max(1, Math.min(config.train.bptt, rows - 1)) };
  }
  const longest = loaded.data.train.reduce((n, x) => Math.max(n, x.tokens.length), 1);
  const numLabels = loaded.task === "tagger" ? loaded.data.tags.size : loaded.data.labels.length;
  return { vocabSize, numLabels, sequenceLength: longest };
}

/** Throws ConfigError (the field, the numbers and the fix) when training this data would not fit. */
export function checkExperimentData(config: ExperimentConfig, loaded: ExperimentData): void {
  const issue = trainingMemoryIssue(config, dataSizes(config, loaded));
  if (issue) throw new ConfigError(`${issue.message} (with this data: ${describeSizes(dataSizes(config, loaded), config.task)})`, issue.path);
}

function describeSizes(s: DataSizes, task: ExperimentConfig["task"]): string {
  const labels = task === "tagger" ? `, ${s.numLabels} tags` : task === "classifier" ? `, ${s.numLabels} classes` : "";
  return `a vocabulary of ${s.vocabSize.toLocaleString("en-US")}${labels}, sequences of up to ${s.sequenceLength.toLocaleString("en-US")} tokens`;
}
