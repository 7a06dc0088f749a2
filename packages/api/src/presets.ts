// Launch presets: the repository's example configs (examples/*.json), with a label each. A preset
// with `variants` queues one run per variant (the example with those overrides), as a set: the
// vanishing-gradient comparison (J&M 8.5) is Elman tanh, Elman relu, LSTM and GRU on the same data,
// which no grid of cell x activation gives (relu is for the Elman cell only).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { EXAMPLES_DIR } from "@unroll/layout";

export const PRESETS = [
  {
    id: "char-lm",
    file: "char-lstm-shakespeare.json",
    label: "Char LM · tiny Shakespeare",
    description: "Character LSTM language model (tied weights), 300 steps",
  },
  { id: "word-lm", file: "word-lstm-wikitext2.json", label: "Word LM · WikiText-2", description: "2-layer word LSTM, the PyTorch word_language_model setup" },
  {
    id: "pos",
    file: "pos-bilstm-ewt.json",
    label: "POS tagger · UD English EWT",
    description: "BiLSTM tagger over universal POS tags, with character features",
  },
  {
    id: "ner",
    file: "ner-bilstm-uner.json",
    label: "NER tagger · Universal NER",
    description: "BiLSTM IOB2 tagger with character features (trains on dev, no train split)",
  },
  { id: "sst2", file: "sentiment-lstm-sst2.json", label: "Sentiment · SST-2", description: "LSTM classifier, mean pooling" },
  {
    id: "vanishing-gradients",
    file: "vanishing-gradients.json",
    label: "Vanishing gradients · Elman tanh vs relu vs LSTM vs GRU",
    description: "Four char LMs on tiny Shakespeare, the same but for the cell; compare their gradient norm through time (diagnostics overlay)",
    variants: [
      { name: "elman-tanh", overrides: { "model.cell": "elman", "model.activation": "tanh" } },
      { name: "elman-relu", overrides: { "model.cell": "elman", "model.activation": "relu" } },
      { name: "lstm", overrides: { "model.cell": "lstm", "model.activation": "tanh" } },
      { name: "gru", overrides: { "model.cell": "gru", "model.activation": "tanh" } },
    ],
  },
] as const;

/** The runs a preset queues: each variant's overrides as single-value sweep axes (one run each), or the example alone. */
export function presetVariants(preset: (typeof PRESETS)[number]): { name: string; grid: { key: string; values: string[] }[] }[] {
  if (!("variants" in preset)) return [{ name: preset.id, grid: [] }];
  return preset.variants.map((v) => ({ name: v.name, grid: Object.entries(v.overrides).map(([key, value]) => ({ key, values: [value] })) }));
}

export async function loadPresets(dir = EXAMPLES_DIR) {
  return Promise.all(
    PRESETS.map(async (p) => {
      try {
        return { ...p, config: JSON.parse(await readFile(join(dir, p.file), "utf8")) as Record<string, unknown>, error: null };
      } catch (error) {
        return { ...p, config: null, error: `cannot read ${join(dir, p.file)}: ${(error as Error).message}` };
      }
    }),
  );
}
