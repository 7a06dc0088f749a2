// The progress stream of a training run, consumed by notebooks, the CLI and the runner.
import type { Diagnostics } from "../diagnostics/probe.js";
import type { TaggingReport } from "../metrics.js";

export type TrainEvent =
  // step: where training starts (0, or a resumed run's step); warnings: what the data was read as,
  // if not as written (IOB2 tags repaired, say), the vectors' coverage, what model.init copied
  | { type: "start"; step: number; params: number; totalSteps: number; config: unknown; warnings?: string[] }
  | { type: "step"; step: number; epoch: number; loss: number; lr: number; tokens: number /* seen so far */; tokensPerSecond: number }
  // lm: loss, perplexity; tagger: loss, accuracy (+ precision, recall, f1 for IOB2 tag sets); classifier: loss, accuracy, macroF1
  // weightsStep (test): the step whose weights were scored, the best validation's
  | { type: "eval"; step: number; epoch: number; split: "valid" | "test"; metrics: Record<string, number>; weightsStep?: number }
  // taggers, right after each "eval": the tag confusion and (IOB2) entity scores by type of that evaluation
  | { type: "tagReport"; step: number; split: "valid" | "test"; report: TaggingReport; weightsStep?: number }
  // at each validation with train.diagnostics: gradient norm through time on a probe batch (diagnostics/)
  | ({ type: "diagnostics"; step: number } & Diagnostics)
  | { type: "sample"; step: number; prompt: string; text: string; options: Record<string, unknown> }
  | { type: "checkpoint"; step: number; kind: "best" | "last"; metrics: Record<string, number>; data: Uint8Array }
  // metrics: the last validation's (valid_*), the test split's (test_*), best_step and best_valid_<main metric>
  | { type: "end"; step: number; reason: "completed" | "aborted" | "stopped early"; metrics: Record<string, number> };

export interface Sample {
  prompt: string;
  text: string;
  options: Record<string, unknown>;
}
