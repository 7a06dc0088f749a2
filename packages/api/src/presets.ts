// Launch presets: the repository's example configs (examples/*.json), with a label each.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { EXAMPLES_DIR } from "@unroll/layout";

export const PRESETS = [
  { id: "char-lm", file: "char-lstm-shakespeare.json", label: "Char LM · tiny Shakespeare", description: "Character LSTM language model (tied weights), 300 steps" },
  { id: "word-lm", file: "word-lstm-wikitext2.json", label: "Word LM · WikiText-2", description: "2-layer word LSTM, the PyTorch word_language_model setup" },
  { id: "pos", file: "pos-bilstm-ewt.json", label: "POS tagger · UD English EWT", description: "BiLSTM tagger over universal POS tags" },
  { id: "ner", file: "ner-bilstm-uner.json", label: "NER tagger · Universal NER", description: "BiLSTM IOB2 tagger (trains on dev, no train split)" },
  { id: "sst2", file: "sentiment-lstm-sst2.json", label: "Sentiment · SST-2", description: "LSTM classifier, mean pooling" },
] as const;

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
