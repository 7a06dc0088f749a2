// The quality benchmark's recipes: one per example config, trained as a user trains it, the
// metric its test split is reported by, and the published figure it is held against.

export interface Recipe {
  /** File in examples/. */
  example: string;
  /** `--set key=value` overrides on top of the example (none: the example as it ships). */
  set: string[];
  /** The test metric reported (the trainer's `test_<metric>`, from the best validation's weights). */
  metric: "perplexity" | "accuracy" | "f1";
  /** What the figure is compared with, in words, and the number where there is one. */
  reference: { source: string; value: number | null };
  /** Language models: sample five texts from an empty prompt afterwards (`unroll sample`). */
  sample?: boolean;
  /** Language models: also run PyTorch's word_language_model schedule on the same files and epochs. */
  peer?: { tied: boolean };
}

export const RECIPES: Record<string, Recipe> = {
  "word-lm": {
    example: "word-lstm-wikitext2.json",
    set: ["train.epochs=1"],
    metric: "perplexity",
    reference: { source: "PyTorch word_language_model (main.py schedule, peer/word_lm.py fit), same files, vocabulary and epochs", value: null },
    sample: true,
    peer: { tied: false },
  },
  "word-lm-tied": {
    example: "word-lstm-wikitext2.json",
    set: ["train.epochs=1", "model.tied=true"],
    metric: "perplexity",
    reference: { source: "PyTorch word_language_model --tied, same files, vocabulary and epochs", value: null },
    sample: true,
    peer: { tied: true },
  },
  pos: {
    example: "pos-bilstm-ewt.json",
    set: [],
    metric: "accuracy",
    reference: { source: "Plank et al. 2016 bilty, UD English (no pretrained embeddings)", value: 0.946 },
  },
  ner: {
    example: "ner-bilstm-uner.json",
    set: [],
    metric: "f1",
    reference: { source: "issue 18's target for a BiLSTM with character features trained on ~1,800 sentences (no BiLSTM baseline published)", value: 0.6 },
  },
  sst2: {
    example: "sentiment-lstm-sst2.json",
    set: [],
    metric: "accuracy",
    reference: { source: "Tai et al. 2015, 2-layer LSTM with GloVe (86.3 %); issue 18's target without vectors: 85 %", value: 0.863 },
  },
  char: {
    example: "char-lstm-shakespeare.json",
    set: [],
    metric: "perplexity",
    reference: { source: "none: the quick character model of the README (300 steps)", value: null },
    sample: true,
  },
};
