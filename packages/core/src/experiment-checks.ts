// What a config needs from its data once the data is read: that training fits in memory with the
// real vocabulary, label count and sequence lengths (the schema checked it on the smallest data
// possible). runExperiment runs it before building the model; the CLI runs it before queueing.
// And, where training runs on a GPU through WebGPU, that a step's largest tensor fits in what the
// adapter lets one shader bind (checkDeviceLimits: runExperiment, on the worker's own device).
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

/**
 * WebGPU binds each tensor of a shader whole, up to the adapter's maxStorageBufferBindingSize
 * (128 MiB is the WebGPU default; llvmpipe's; many GPUs allow gigabytes). An LM's logits are the
 * largest tensor of a step, batchSize x bptt x |V| floats, and its gradient as large: beyond the
 * limit the GPU reports an error and computes nothing, so refuse first, saying what to lower.
 * `limit`: the current backend's (webgpuBindingLimit), undefined off webgpu.
 */
export function checkDeviceLimits(config: ExperimentConfig, loaded: ExperimentData, limit: number | undefined): void {
  if (limit === undefined || config.task !== "lm") return;
  const { vocabSize, sequenceLength } = dataSizes(config, loaded);
  const B = config.train.batchSize;
  const bytes = 4 * B * sequenceLength * vocabSize;
  if (bytes <= limit) return;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const fits = Math.floor(limit / (4 * sequenceLength * vocabSize));
  throw new ConfigError(
    `a step's logits (train.batchSize ${B} x bptt ${sequenceLength} x a vocabulary of ${vocabSize.toLocaleString("en-US")} floats, ${mb(bytes)}) ` +
      `are more than this GPU lets one shader bind (${mb(limit)}, WebGPU's maxStorageBufferBindingSize): ` +
      `${fits >= 1 ? `set train.batchSize to ${fits} or less, ` : ""}lower train.bptt or tokenizer.maxVocab, or train on wasm (UNROLL_BACKEND=wasm)`,
    "train.batchSize",
  );
}
