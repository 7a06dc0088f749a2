import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ExperimentConfigSchema, applyOverrides, configDiff, parseExperimentConfig } from "./config.js";
import { ConfigError } from "./errors.js";

const shakespeare = { task: "lm", data: { corpus: "tiny-shakespeare" } } as const;

/** The ConfigError a config raises (fails the test when it parses). */
function rejection(input: unknown): ConfigError {
  try {
    parseExperimentConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(input)}`);
}

describe("ExperimentConfigSchema defaults", () => {
  it("makes the two-line Shakespeare config a small char LSTM", () => {
    const c = parseExperimentConfig(shakespeare);
    expect(c.tokenizer).toEqual({ kind: "char", lowercase: false, minFrequency: 1 });
    expect(c.model).toEqual({ cell: "lstm", activation: "tanh", layers: 1, embeddingSize: 64, hiddenSize: 128, bidirectional: false, tied: false, dropout: 0 });
    expect(c.train).toMatchObject({ optimizer: "adam", lr: 0.002, clip: 5, lrDecay: 4, batchSize: 32, bptt: 64, epochs: 1, seed: 42 });
    expect(c.sample).toEqual({ prompts: [""], maxLength: 200, temperature: 1, seed: 1234 });
  });

  it('reads the Elman cell\'s old name "rnn" (configs and stored runs from before) as "elman"', () => {
    const old = { ...shakespeare, model: { cell: "rnn", activation: "relu", embeddingSize: 32, hiddenSize: 32 } };
    expect(parseExperimentConfig(old).model).toMatchObject({ cell: "elman", activation: "relu", embeddingSize: 32 });
    expect(parseExperimentConfig({ task: "classifier", data: { corpus: "sst2" }, model: { cell: "rnn" } }).model).toMatchObject({
      cell: "elman",
      pooling: "last",
    });
    expect(applyOverrides(shakespeare, ["model.cell=rnn"]).model.cell).toBe("elman");
    expect(parseExperimentConfig({ ...shakespeare, model: { cell: "elman" } }).model.cell).toBe("elman");
  });

  it("picks a word tokenizer for word data and last pooling for a classifier", () => {
    expect(parseExperimentConfig({ task: "lm", data: { corpus: "wikitext-2" } }).tokenizer.kind).toBe("word");
    expect(parseExperimentConfig({ task: "tagger", data: { corpus: "ud-english-ewt" } }).tokenizer.kind).toBe("word");
    const clf = parseExperimentConfig({ task: "classifier", data: { corpus: "sst2" } });
    expect(clf.model.pooling).toBe("last");
    expect(clf.tokenizer.kind).toBe("word");
    expect(parseExperimentConfig({ ...shakespeare, tokenizer: { kind: "word" } }).tokenizer.kind).toBe("word");
  });

  it("accepts your own files", () => {
    const c = parseExperimentConfig({ task: "tagger", data: { format: "conllu", train: "a.conllu", tagColumn: "xpos" } });
    expect(c.data).toEqual({ format: "conllu", train: "a.conllu", tagColumn: "xpos" });
  });

  it("converts to a JSON schema for forms, with descriptions and defaults", () => {
    const json = z.toJSONSchema(ExperimentConfigSchema, { io: "input" }) as {
      properties: Record<string, { properties?: Record<string, { description?: string; default?: unknown }> }>;
    };
    expect(json.properties.train?.properties?.lrDecay).toMatchObject({ default: 4, description: expect.stringMatching(/Divide the learning rate/) });
    expect(json.properties.model?.properties?.cell?.default).toBe("lstm");
  });
});

describe("parseExperimentConfig rejections", () => {
  it.each([
    [
      "a bidirectional LM",
      { ...shakespeare, model: { bidirectional: true } },
      "model.bidirectional",
      /would let it see that token: set model\.bidirectional=false/,
    ],
    [
      "tying outside an LM",
      { task: "classifier", data: { corpus: "sst2" }, model: { tied: true, embeddingSize: 128 } },
      "model.tied",
      /only a language model has; this is a classifier: set model\.tied=false/,
    ],
    [
      "tying with different sizes",
      { ...shakespeare, model: { tied: true } },
      "model.tied",
      /embeddingSize = hiddenSize, got 64 and 128: set model\.embeddingSize=128 or model\.hiddenSize=64/,
    ],
    [
      "pooling on a non-classifier",
      { ...shakespeare, model: { pooling: "mean" } },
      "model.pooling",
      /for a classifier; this is a language model: remove model\.pooling/,
    ],
    [
      "relu with an LSTM",
      { ...shakespeare, model: { activation: "relu" } },
      "model.activation",
      /lstm has its own gate activations.*set model\.activation=tanh or model\.cell=elman/,
    ],
    ["relu with a GRU", { ...shakespeare, model: { cell: "gru", activation: "relu" } }, "model.activation", /gru has its own/],
    [
      "a corpus of another task",
      { task: "lm", data: { corpus: "sst2" } },
      "data.corpus",
      /corpus sst2 is for a classifier, but task is lm: set task=classifier, or pick a corpus for lm: tiny-shakespeare, wikitext-2/,
    ],
    [
      "a format of another task",
      { task: "classifier", data: { format: "conllu", train: "a" } },
      "data.format",
      /format conllu holds data for a tagger.*use format tsv/,
    ],
    [
      "lowercase on a char tokenizer",
      { ...shakespeare, tokenizer: { lowercase: true } },
      "tokenizer.lowercase",
      /lowercase is a word tokenizer option.*tokenizer\.kind=word/,
    ],
    [
      "a char tokenizer for tagging",
      { task: "tagger", data: { corpus: "ud-english-ewt" }, tokenizer: { kind: "char" } },
      "tokenizer.kind",
      /one tag per word.*set tokenizer\.kind=word/,
    ],
    [
      "tagColumn on non-CoNLL-U data",
      { task: "classifier", data: { corpus: "sst2", tagColumn: "upos" } },
      "data.tagColumn",
      /the data is tsv: remove data\.tagColumn/,
    ],
    ["UNER without devAsTrain", { task: "tagger", data: { corpus: "uner-english-ewt" } }, "data.devAsTrain", /has no train split.*set data\.devAsTrain=true/],
    [
      "devAsTrain on a corpus with a train split",
      { task: "tagger", data: { corpus: "ud-english-ewt", devAsTrain: true } },
      "data.devAsTrain",
      /ud-english-ewt has one: remove data\.devAsTrain/,
    ],
  ])("rejects %s", (_what, input, path, message) => {
    const e = rejection(input);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it("accepts UNER with devAsTrain", () => {
    expect(parseExperimentConfig({ task: "tagger", data: { corpus: "uner-english-ewt", devAsTrain: true } }).data).toEqual({
      corpus: "uner-english-ewt",
      devAsTrain: true,
    });
  });

  it("says what was expected and received for a bad value", () => {
    const e = rejection({ ...shakespeare, train: { lr: "fast" } });
    expect(e.path).toBe("train.lr");
    expect(e.message).toBe('train.lr: expected number, received "fast"');
    expect(rejection({ ...shakespeare, model: { cell: "transformer" } }).message).toMatch(/expected one of "elman", "lstm", "gru", received "transformer"/);
    expect(rejection({ ...shakespeare, model: { dropout: 1 } }).path).toBe("model.dropout");
    expect(rejection({ ...shakespeare, sample: { topP: 0 } }).path).toBe("sample.topP");
  });

  it("names a missing field and an unknown corpus with both shapes of data", () => {
    expect(rejection({ data: { corpus: "tiny-shakespeare" } }).message).toMatch(/^task: expected one of "lm", "tagger", "classifier", received nothing/);
    const e = rejection({ task: "lm", data: { corpus: "ptb" } });
    expect(e.path).toBe("data.corpus");
    expect(e.message).toMatch(/received "ptb" \(data is either \{ corpus \} or \{ format, train, valid\?, test\? \}\)/);
  });

  it("rejects unknown keys, suggesting the near one and listing the valid keys", () => {
    const e = rejection({ ...shakespeare, train: { learningRate: 0.1, lrr: 1 } });
    expect(e.path).toBe("train");
    expect(e.message).toMatch(/unknown keys learningRate, lrr; did you mean lr\? Valid keys here: optimizer, lr, clip/);
  });
});

describe("applyOverrides", () => {
  const base = parseExperimentConfig(shakespeare);

  it("reads numbers, enums, booleans, strings and JSON arrays by field type, then revalidates", () => {
    const c = applyOverrides(base, [
      "train.lr=0.1",
      "model.cell=gru",
      "model.bidirectional=false",
      "name=42",
      'sample.prompts=["ROMEO:","JULIET:"]',
      "train.maxSteps=100",
    ]);
    expect(c.train.lr).toBe(0.1);
    expect(c.model.cell).toBe("gru");
    expect(c.name).toBe("42");
    expect(c.sample.prompts).toEqual(["ROMEO:", "JULIET:"]);
    expect(c.train.maxSteps).toBe(100);
    expect(base.train.lr).toBe(0.002);
  });

  it("rejects an unknown key, suggesting the nearest and listing the keys of its section", () => {
    expect(() => applyOverrides(base, ["train.lrr=1"])).toThrow(ConfigError);
    expect(() => applyOverrides(base, ["train.lrr=1"])).toThrow(
      /unknown key train\.lrr; did you mean train\.lr\? Valid keys under train: train\.optimizer, train\.lr/,
    );
    expect(() => applyOverrides(base, ["modle.cell=gru"])).toThrow(/did you mean model\.cell\?/);
  });

  it("rejects a value that breaks a rule, and a missing =", () => {
    expect(() => applyOverrides(base, ["model.activation=relu"])).toThrow(/model\.activation: lstm has its own gate activations/);
    expect(() => applyOverrides(base, ["train.lr=fast"])).toThrow(/train\.lr: expected number, received "fast"/);
    expect(() => applyOverrides(base, ["train.lr"])).toThrow(/expected key=value/);
  });

  it("switches data between a corpus and files", () => {
    const files = applyOverrides(base, ["data.format=chars", "data.train=my.txt"]);
    expect(files.data).toEqual({ format: "chars", train: "my.txt" });
    expect(applyOverrides(files, ["data.corpus=tiny-shakespeare"]).data).toEqual({ corpus: "tiny-shakespeare" });
  });
});

describe("configDiff", () => {
  it("lists differing dotted keys with both values, arrays as wholes", () => {
    const a = parseExperimentConfig(shakespeare);
    const b = applyOverrides(a, ["model.cell=gru", "train.lr=0.01", 'sample.prompts=["A"]', "name=b"]);
    expect(configDiff(a, b)).toEqual([
      { key: "model.cell", a: "lstm", b: "gru" },
      { key: "train.lr", a: 0.002, b: 0.01 },
      { key: "sample.prompts", a: [""], b: ["A"] },
      { key: "name", a: undefined, b: "b" },
    ]);
    expect(configDiff(a, structuredClone(a))).toEqual([]);
  });
});

describe("character features and word dropout", () => {
  const ner = { task: "tagger", data: { corpus: "uner-english-ewt", devAsTrain: true } } as const;

  it("are off by default; model.chars={} turns chars on with their defaults; every field has a description", () => {
    expect(parseExperimentConfig(ner).model.chars).toBeUndefined();
    expect(parseExperimentConfig({ ...ner, model: { chars: {} } }).model.chars).toEqual({ embeddingSize: 25, hiddenSize: 25 });
    const json = z.toJSONSchema(ExperimentConfigSchema, { io: "input" }) as {
      properties: Record<string, { properties?: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> }>;
    };
    const chars = json.properties.model?.properties?.chars;
    expect(chars?.description).toMatch(/Lample et al\. 2016/);
    expect(Object.values(chars?.properties ?? {}).every((p) => p.description)).toBe(true);
    expect(json.properties.train?.properties?.wordDropout?.description).toMatch(/Default 0\.5 with model\.chars/);
  });

  it("set nested fields from the command line (--set model.chars.embeddingSize=30)", () => {
    const c = applyOverrides(ner, ["model.chars.embeddingSize=30", "model.chars.hiddenSize=50", "train.wordDropout=0.25"]);
    expect(c.model.chars).toEqual({ embeddingSize: 30, hiddenSize: 50 });
    expect(c.train.wordDropout).toBe(0.25);
    expect(applyOverrides(ner, ['model.chars={"hiddenSize":10}']).model.chars).toEqual({ embeddingSize: 25, hiddenSize: 10 });
    expect(() => applyOverrides(ner, ["model.chars.hidenSize=3"])).toThrow(
      /unknown key model\.chars\.hidenSize; did you mean model\.chars\.hiddenSize\? Valid keys under model\.chars: /,
    );
    expect(rejection({ ...ner, model: { chars: { hidenSize: 3 } } }).message).toMatch(/unknown key hidenSize; did you mean hiddenSize\?/);
  });

  it.each([
    ["chars for a language model", { ...shakespeare, model: { chars: {} } }, "model.chars", /a language model predicts the next token .*: remove model\.chars/],
    [
      "chars over a char tokenizer",
      { task: "classifier", data: { corpus: "sst2" }, tokenizer: { kind: "char" }, model: { chars: {} } },
      "model.chars",
      /tokenizer\.kind=char already makes every character a token: set tokenizer\.kind=word, or remove model\.chars/,
    ],
    ["word dropout for a language model", { ...shakespeare, train: { wordDropout: 0.5 } }, "train.wordDropout", /remove train\.wordDropout/],
    ["a word dropout of 1", { ...ner, train: { wordDropout: 1 } }, "train.wordDropout", /1/],
    ["a char hidden size of 0", { ...ner, model: { chars: { hiddenSize: 0 } } }, "model.chars.hiddenSize", /0/],
  ])("refuse %s, naming the fix", (_, input, path, message) => {
    const e = rejection(input);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });
});
