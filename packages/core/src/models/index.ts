// The three task models, and building one from a task name and its config (checkpoints do this).
import type { TaskKind } from "../train/task.js";
import type { ClassifierConfig } from "./classifier.js";
import { Classifier } from "./classifier.js";
import type { LanguageModelConfig } from "./language-model.js";
import { LanguageModel } from "./language-model.js";
import type { TaggerConfig } from "./tagger.js";
import { Tagger } from "./tagger.js";

export { Classifier, LanguageModel, Tagger };
export type { ClassifierConfig, LanguageModelConfig, TaggerConfig };
export type { Pooling } from "./classifier.js";

export type AnyModel = LanguageModel | Tagger | Classifier;
export type ModelConfig = LanguageModelConfig | TaggerConfig | ClassifierConfig;

export function createModel(task: TaskKind, config: ModelConfig, seed = 0): AnyModel {
  switch (task) {
    case "lm":
      return new LanguageModel(config as LanguageModelConfig, seed);
    case "tagger":
      return new Tagger(config as TaggerConfig, seed);
    case "classifier":
      return new Classifier(config as ClassifierConfig, seed);
  }
}

/** Exact number of parameters a config gives, without building the model. */
export function paramCount(task: TaskKind, config: ModelConfig): number {
  switch (task) {
    case "lm":
      return LanguageModel.paramCount(config as LanguageModelConfig);
    case "tagger":
      return Tagger.paramCount(config as TaggerConfig);
    case "classifier":
      return Classifier.paramCount(config as ClassifierConfig);
  }
}
