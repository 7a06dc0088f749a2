// Bad input refused early and clearly by core: configs too deep or too big to train, data files
// that are missing, directories or too short, and IOB2 tags repaired with a warning.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXAMPLES_DIR } from "@unroll/layout";
import { useCpu } from "./cells/testing.js";
import { parseExperimentConfig } from "./config.js";
import { resolveDataFiles } from "./data/data-files.js";
import { loadExperimentData } from "./data/datasets.js";
import { readIob2 } from "./data/iob2-reader.js";
import { ConfigError, DataError } from "./errors.js";
import { runExperiment } from "./experiment.js";
import { checkDeviceLimits, checkExperimentData } from "./experiment-checks.js";
import { paramCount } from "./models/index.js";
import type { TrainEvent } from "./train/events.js";
import { estimateTrainingMemory, TRAINING_MEMORY_LIMIT_BYTES } from "./training-memory.js";

const dir = mkdtempSync(join(tmpdir(), "unroll-core-bad-input-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const shakespeare = { task: "lm", data: { corpus: "tiny-shakespeare" } } as const;

describe("configs that cannot train", () => {
  it("refuses a config nested 100,000 levels deep without overflowing the stack", () => {
    const deep = JSON.parse(`{"task":"lm","data":{"corpus":"tiny-shakespeare"},"model":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    expect(() => parseExperimentConfig(deep)).toThrow(
      /^model: the config nests more than 8 levels deep \(at model\.0\.0\.0\.0\.0\.\.\.\).*remove the extra nesting/,
    );
    const objects = JSON.parse(`${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`);
    expect(() => parseExperimentConfig(objects)).toThrow(ConfigError);
  });

  it("refuses models and batches that need more memory than a training process has, with the numbers and the fix", () => {
    expect(() => parseExperimentConfig({ ...shakespeare, model: { hiddenSize: 1_000_000 } })).toThrow(
      /^model\.hiddenSize: training needs about 58\.4 TiB \(4 trillion parameters.*more than the 4 GiB a training process can use: set model\.hiddenSize to at most 6,981 \(now 1,000,000\)/,
    );
    expect(() => parseExperimentConfig({ ...shakespeare, train: { bptt: 1e9 } })).toThrow(
      /^train\.bptt: .*activations of 32 x 1,000,000,000 tokens.*set train\.bptt to at most [\d,]+ \(now 1,000,000,000\)/,
    );
    expect(() => parseExperimentConfig({ ...shakespeare, model: { hiddenSize: 20_000, embeddingSize: 20_000, tied: true } })).toThrow(
      /model\.hiddenSize and model\.embeddingSize \(tied\) to at most/,
    );
  });

  it("sizes the examples well inside the limit, counting parameters as the models do", () => {
    for (const name of ["char-lstm-shakespeare", "word-lstm-wikitext2", "pos-bilstm-ewt", "ner-bilstm-uner", "sentiment-lstm-sst2"]) {
      const config = parseExperimentConfig(JSON.parse(readFileSync(join(EXAMPLES_DIR, `${name}.json`), "utf8")));
      const m = estimateTrainingMemory(config, {
        vocabSize: 33_278,
        numLabels: 20,
        alphabetSize: 100,
        sequenceLength: config.task === "lm" ? config.train.bptt : 200,
      });
      expect(m.totalBytes, name).toBeLessThan(TRAINING_MEMORY_LIMIT_BYTES / 2);
      const sizes = {
        vocabSize: 33_278,
        cell: config.model.cell,
        embeddingSize: config.model.embeddingSize,
        hiddenSize: config.model.hiddenSize,
        layers: config.model.layers,
        dropout: 0,
        // the POS and NER examples spell words: an alphabet of 100 characters, as the estimate above assumes
        chars: config.model.chars && { alphabet: Array.from({ length: 100 }, (_, i) => String.fromCharCode(32 + i)), ...config.model.chars },
      } as const;
      const extra =
        config.task === "lm"
          ? { tied: config.model.tied }
          : config.task === "tagger"
            ? { numTags: 20, bidirectional: config.model.bidirectional }
            : { numClasses: 20, bidirectional: config.model.bidirectional, pooling: "last" as const };
      expect(m.params, name).toBe(paramCount(config.task, { ...sizes, ...extra } as never));
    }
  });

  it("checks again with the real vocabulary once the data is read", () => {
    const words = file("many-words.txt", Array.from({ length: 80_000 }, (_, i) => `w${i}`).join("\n"));
    const config = parseExperimentConfig({
      task: "lm",
      data: { format: "text", train: words },
      model: { embeddingSize: 2048, hiddenSize: 2048 },
      train: { batchSize: 4, bptt: 4 },
    });
    const loaded = loadExperimentData(config);
    expect(() => checkExperimentData(config, loaded)).toThrow(
      /^model\.hiddenSize: training needs about .* \(with this data: a vocabulary of [\d,]+, sequences of up to 4 tokens\)/,
    );
    expect(() => checkExperimentData(config, loaded)).toThrow(/set model\.hiddenSize to at most [\d,]+ \(now 2,048\), or model\.embeddingSize to at most/);
  });

  it("on webgpu, refuses an LM whose logits do not fit in one binding of the adapter, saying which batch size does", () => {
    const words = file("words-3000.txt", Array.from({ length: 12_000 }, (_, i) => `w${i % 3000}`).join("\n"));
    const config = parseExperimentConfig({ task: "lm", data: { format: "text", train: words }, train: { batchSize: 64, bptt: 35 } });
    const loaded = loadExperimentData(config);
    const V = loaded.tokenizer.vocabulary.size; // 3,000 words and the specials
    const bytes = 4 * 64 * 35 * V; // 26 MiB
    expect(() => checkDeviceLimits(config, loaded, undefined)).not.toThrow(); // not on webgpu
    expect(() => checkDeviceLimits(config, loaded, bytes)).not.toThrow();
    const limit = 16 * 2 ** 20;
    const fits = Math.floor(limit / (4 * 35 * V));
    expect(() => checkDeviceLimits(config, loaded, limit)).toThrow(ConfigError);
    expect(() => checkDeviceLimits(config, loaded, limit)).toThrow(
      new RegExp(
        `^train\\.batchSize: a step's logits \\(train\\.batchSize 64 x bptt 35 x a vocabulary of ${V.toLocaleString("en-US")} floats, 26 MiB\\) are more than this GPU lets one shader bind \\(16 MiB, WebGPU's maxStorageBufferBindingSize\\): set train\\.batchSize to ${fits} or less, lower train\\.bptt`,
      ),
    );
    const tagger = parseExperimentConfig({ task: "tagger", data: { corpus: "ud-english-ewt" } });
    expect(() => checkDeviceLimits(tagger, loaded, 1)).not.toThrow(); // only an LM's logits grow with |V|
  });
});

describe("data files", () => {
  const text = file("text.txt", "hello world\n".repeat(20));
  const lm = (train: string) => parseExperimentConfig({ task: "lm", data: { format: "chars", train } });

  it("makes relative paths absolute from the submitter's directory, and refuses them where there is none", () => {
    expect(resolveDataFiles(lm("text.txt"), { baseDir: dir }).data).toMatchObject({ train: text });
    expect(() => resolveDataFiles(lm("text.txt"))).toThrow(/^data\.train: "text\.txt" is a relative path.*give an absolute path/);
  });

  it("refuses a missing path, a directory and a device, naming the field", () => {
    expect(() => resolveDataFiles(lm(join(dir, "nope.txt")))).toThrow(/^data\.train: no file at .*nope\.txt: fix the path/);
    const sub = join(dir, "corpus");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, "train.txt"), "x");
    expect(() => resolveDataFiles(lm(sub))).toThrow(
      /^data\.train: .*corpus is a directory, not a file: give one file for data\.train; it holds .*corpus\/train\.txt/,
    );
    expect(() => resolveDataFiles(lm("/dev/null"))).toThrow(/not a regular file/);
  });

  it("says how many tokens the train split has and how many it needs", () => {
    const one = file("one.txt", "x");
    expect(() => loadExperimentData(lm(one))).toThrow(DataError);
    expect(() => loadExperimentData(lm(one))).toThrow(
      /expected at least 64 training tokens \(2 rows of train\.batchSize = 32\), got 0 in the train split \(the first 90% of the file, which has 1 token; give data\.valid or data\.test to train on all of it\): add text/,
    );
    const short = file("short.txt", "abcdefghij");
    expect(() => loadExperimentData(parseExperimentConfig({ task: "lm", data: { format: "chars", train: short, valid: short } }))).toThrow(
      /got 10: add text, or set train\.batchSize to at most 5/,
    );
    const empty = file("empty.tsv", "");
    expect(() => loadExperimentData(parseExperimentConfig({ task: "classifier", data: { format: "tsv", train: empty, valid: empty } }))).toThrow(
      /expected at least 1 training example, got 0: the file needs lines \(text TAB label\)/,
    );
  });
});

describe("IOB2 tags that continue no entity", () => {
  it("reads them as B- as conlleval does, and says so once per file", () => {
    const warnings: string[] = [];
    const sentences = readIob2(
      { text: "Mr\tO\nSmith\tI-PER\nJones\tI-PER\nof\tO\nParis\tI-LOC\n\nRome\tI-LOC\nx\tB-PER\ny\tI-LOC\n", name: "ner.iob2" },
      { warnings },
    );
    expect(sentences.map((s) => s.tags)).toEqual([
      ["O", "B-PER", "I-PER", "O", "B-LOC"],
      ["B-LOC", "B-PER", "B-LOC"],
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^ner\.iob2: 4 I- tags continued no entity \(the first at line 2: I-PER after O\); read as B-PER, a new entity, as conlleval does\. To silence this, write B- /,
      ),
    ]);
    const clean: string[] = [];
    readIob2({ text: "a\tB-PER\nb\tI-PER\n" }, { warnings: clean });
    expect(clean).toEqual([]);
  });

  it("passes the warning to the run's data", () => {
    const iob = file("ner.iob2", "Anna\tI-PER\nran\tO\n\nBob\tB-PER\n\n".repeat(4));
    const loaded = loadExperimentData(parseExperimentConfig({ task: "tagger", data: { format: "iob2", train: iob } }));
    expect(loaded.warnings).toEqual([expect.stringMatching(/ner\.iob2: 4 I- tags continued no entity/)]);
  });

  it("carries the warning on the run's start event, for the worker's log", async () => {
    await useCpu();
    const iob = file("ner-run.iob2", "Anna\tI-PER\nran\tO\n\nBob\tB-PER\nsat\tO\n\n".repeat(10));
    const events: TrainEvent[] = [];
    const config = {
      task: "tagger",
      data: { format: "iob2", train: iob },
      model: { embeddingSize: 4, hiddenSize: 4 },
      train: { batchSize: 2, maxSteps: 1, evalEvery: 0, checkpointEvery: 0 },
    };
    await runExperiment(config, { onEvent: (e) => void events.push(e) });
    expect(events.find((e) => e.type === "start")).toMatchObject({ warnings: [expect.stringMatching(/10 I- tags continued no entity .*read as B-PER/)] });
  });
});
