// Warm start (model.init): what is copied, matched by word, character and tensor name, what
// starts fresh, what is refused, and the same end to end through runExperiment.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "./cells/testing.js";
import { decodeCheckpoint, encodeCheckpoint, readTensors, type Checkpoint } from "./checkpoint.js";
import { parseExperimentConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { runExperiment } from "./experiment.js";
import { Classifier, LanguageModel, Tagger } from "./models/index.js";
import type { TrainEvent } from "./train/events.js";
import { initRunRefs, runRefOf } from "./model-init.js";
import { describeWarmStart, warmStart } from "./warm-start.js";

beforeAll(useCpu);

const SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"];
const CHAR_SPECIALS = ["<pad>", "<unk>"];

async function checkpointOf(model: Tagger | LanguageModel | Classifier, task: "lm" | "tagger" | "classifier", tokens: string[], step = 7): Promise<Checkpoint> {
  return {
    metadata: { task, model: { ...model.config }, tokenizer: { kind: "word", vocabulary: { tokens } }, step, metrics: {} },
    tensors: await readTensors(model.params.entries()),
  };
}

const rowOf = async (v: tf.Tensor, i: number) => Array.from((await v.data()).slice(i * v.shape[1]!, (i + 1) * v.shape[1]!));
const valuesOf = async (v: tf.Tensor) => Array.from(await v.data());

describe("warmStart", () => {
  it("copies E by word (as written, else lowercased), the recurrent layers by name, and leaves the output layer fresh", async () => {
    const sourceTokens = [...SPECIALS, "the", "Paris", "cat", "sat"];
    const source = new Tagger(
      { vocabSize: sourceTokens.length, cell: "lstm", embeddingSize: 4, hiddenSize: 5, layers: 1, dropout: 0, numTags: 3, bidirectional: true },
      1,
    );
    const ckpt = await checkpointOf(source, "tagger", sourceTokens);
    // another vocabulary (other order, a lowercased word, a new word) and another tag set
    const targetTokens = [...SPECIALS, "sat", "paris", "dog", "the"];
    const target = new Tagger(
      { vocabSize: targetTokens.length, cell: "lstm", embeddingSize: 4, hiddenSize: 5, layers: 1, dropout: 0, numTags: 7, bidirectional: true },
      2,
    );
    const dogBefore = await rowOf(target.encoder.weight, 6);
    const report = warmStart(encodeCheckpoint(ckpt), { params: target.params, tokens: targetTokens, specials: SPECIALS }, "pos.safetensors");

    const E = source.encoder.weight;
    const T = target.encoder.weight;
    expect(await rowOf(T, 4)).toEqual(await rowOf(E, 7)); // sat
    expect(await rowOf(T, 5)).toEqual(await rowOf(E, 5)); // paris <- Paris
    expect(await rowOf(T, 7)).toEqual(await rowOf(E, 4)); // the
    expect(await rowOf(T, 1)).toEqual(await rowOf(E, 1)); // <unk>
    expect(await rowOf(T, 6)).toEqual(dogBefore); // not in the source: as initialised
    for (const name of ["rnn.weight_ih_l0", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0"])
      expect(await valuesOf(target.params.get(name))).toEqual(await valuesOf(source.params.get(name)));
    expect(target.params.get("decoder.weight").shape).toEqual([7, 10]); // the new task's tags
    expect(report).toMatchObject({ sourceTask: "tagger", sourceStep: 7, words: { total: 4, exact: 2, lowercased: 1 }, fresh: [] });
    expect(report.copied).toHaveLength(8);
    expect(describeWarmStart(report)).toBe(
      "init: from pos.safetensors (tagger, step 7): 3 of 4 words (75.0%, 1 of them lowercased), 8 recurrent tensors; the output layer starts fresh",
    );
    source.dispose();
    target.dispose();
  });

  it("copies the character embeddings by character and the character BiLSTM by name", async () => {
    const tokens = [...SPECIALS, "Ab", "ba"];
    const chars = (alphabet: string[]) => ({ embeddingSize: 3, hiddenSize: 2, alphabet });
    const base = { vocabSize: tokens.length, cell: "lstm" as const, embeddingSize: 4, hiddenSize: 5, layers: 1, dropout: 0, numTags: 3, bidirectional: true };
    const source = new Tagger({ ...base, chars: chars([...CHAR_SPECIALS, "A", "b", "a"]) }, 1);
    const target = new Tagger({ ...base, chars: chars([...CHAR_SPECIALS, "a", "z", "A"]) }, 2);
    const zBefore = await rowOf(target.params.get("chars.embedding.weight"), 3);
    const report = warmStart(
      await checkpointOf(source, "tagger", tokens),
      {
        params: target.params,
        tokens,
        specials: SPECIALS,
        alphabet: target.config.chars!.alphabet,
        charSpecials: CHAR_SPECIALS,
      },
      "src",
    );
    const S = source.params.get("chars.embedding.weight");
    const C = target.params.get("chars.embedding.weight");
    expect(await rowOf(C, 2)).toEqual(await rowOf(S, 4)); // a
    expect(await rowOf(C, 4)).toEqual(await rowOf(S, 2)); // A
    expect(await rowOf(C, 3)).toEqual(zBefore); // z: the source never saw it
    expect(await valuesOf(target.params.get("chars.rnn.weight_ih_l0_reverse"))).toEqual(await valuesOf(source.params.get("chars.rnn.weight_ih_l0_reverse")));
    expect(report.chars).toEqual({ total: 3, found: 2 });
    expect(report.copied).toHaveLength(16); // 8 word-level + 8 character-level tensors
    source.dispose();
    target.dispose();
  });

  it("starts a bidirectional classifier from a language model: the forward direction copied, the backward one fresh", async () => {
    const tokens = [...SPECIALS, "good", "bad"];
    const lm = new LanguageModel({ vocabSize: tokens.length, cell: "gru", embeddingSize: 4, hiddenSize: 4, layers: 1, dropout: 0, tied: false }, 1);
    const cls = new Classifier(
      { vocabSize: tokens.length, cell: "gru", embeddingSize: 4, hiddenSize: 4, layers: 1, dropout: 0, numClasses: 2, bidirectional: true, pooling: "mean" },
      2,
    );
    const reverseBefore = await valuesOf(cls.params.get("rnn.weight_ih_l0_reverse"));
    const report = warmStart(await checkpointOf(lm, "lm", tokens), { params: cls.params, tokens, specials: SPECIALS }, "run:abc");
    expect(await valuesOf(cls.params.get("rnn.weight_hh_l0"))).toEqual(await valuesOf(lm.params.get("rnn.weight_hh_l0")));
    expect(await valuesOf(cls.params.get("rnn.weight_ih_l0_reverse"))).toEqual(reverseBefore);
    expect(report.fresh).toEqual(["rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse"]);
    expect(describeWarmStart(report)).toContain("4 start random (rnn.weight_ih_l0_reverse, rnn.weight_hh_l0_reverse, rnn.bias_ih_l0_reverse, ...)");
    lm.dispose();
    cls.dispose();
  });

  it("refuses other sizes and other cells, saying which setting to change, and copies nothing of a refused start's recurrent layers", async () => {
    const tokens = [...SPECIALS, "x"];
    const base = { vocabSize: tokens.length, cell: "lstm" as const, embeddingSize: 4, hiddenSize: 5, layers: 1, dropout: 0, numTags: 3, bidirectional: false };
    const source = await checkpointOf(new Tagger(base, 1), "tagger", tokens);
    const target = (c: Partial<typeof base> | { cell: "gru" }) => {
      const t = new Tagger({ ...base, ...c } as typeof base, 2);
      return { params: t.params, tokens, specials: SPECIALS };
    };
    expect(() => warmStart(source, target({ embeddingSize: 8 }), "a.safetensors")).toThrow(
      /a\.safetensors's encoder\.weight has rows of 4 numbers, this model's 8: set model\.embeddingSize=4/,
    );
    const wider = target({ hiddenSize: 6 });
    const before = await readTensors(wider.params.entries());
    expect(() => warmStart(source, wider, "a.safetensors")).toThrow(/rnn\.weight_ih_l0 is \[20,4\], this model's \[24,4\].*hiddenSize 5/);
    expect(await readTensors(wider.params.entries())).toEqual(before); // E, whose width fits, was not written either
    expect(() => warmStart(source, target({ cell: "gru" }), "a.safetensors")).toThrow(/is \[20,4\], this model's \[15,4\].*cell lstm/);
    const noVocabulary = { ...source, metadata: { ...source.metadata, tokenizer: undefined } };
    expect(() => warmStart(noVocabulary, target({}), "w.safetensors")).toThrow(ConfigError);
  });

  it("with parts [embeddings], takes a language model's word vectors into a tagger whose layers differ, and nothing else", async () => {
    const tokens = [...SPECIALS, "Oslo", "saw"];
    const lm = new LanguageModel({ vocabSize: tokens.length, cell: "lstm", embeddingSize: 4, hiddenSize: 4, layers: 2, dropout: 0, tied: true }, 1);
    const tagger = new Tagger(
      {
        vocabSize: tokens.length,
        cell: "lstm",
        embeddingSize: 4,
        hiddenSize: 3,
        layers: 1,
        dropout: 0,
        numTags: 3,
        bidirectional: true,
        chars: { embeddingSize: 2, hiddenSize: 2, alphabet: [...CHAR_SPECIALS, "a"] },
      },
      2,
    );
    const before = await readTensors(tagger.params.entries());
    const target = { params: tagger.params, tokens, specials: SPECIALS, alphabet: tagger.config.chars!.alphabet, charSpecials: CHAR_SPECIALS };
    const source = await checkpointOf(lm, "lm", tokens);
    expect(() => warmStart(source, target, "lm")).toThrow(/rnn\.weight_ih_l0 is \[16,4\], this model's \[12,8\]/);
    const report = warmStart(source, { ...target, parts: ["embeddings"] }, "lm");
    expect(await valuesOf(tagger.encoder.weight)).toEqual(await valuesOf(lm.encoder.weight));
    const after = await readTensors(tagger.params.entries());
    for (const [name, t] of after) if (name !== "encoder.weight") expect(t, name).toEqual(before.get(name));
    expect(describeWarmStart(report)).toBe("init: from lm (lm, step 7): 2 of 2 words (100.0%), 0 recurrent tensors; the output layer starts fresh");
    lm.dispose();
    tagger.dispose();
  });

  it("reads run:ID as a tracked run, anything else as a file", () => {
    expect(runRefOf("run:3f2a9c")).toBe("3f2a9c");
    expect(runRefOf("checkpoints/pos.safetensors")).toBeUndefined();
    // a submit checks each named run once: distinct refs, file paths and unset inits left out
    const cfg = (init?: string) => ({ model: init === undefined ? {} : { init } });
    expect(initRunRefs([cfg("run:ab12"), cfg(), cfg("x.safetensors"), cfg("run:ab12"), cfg("run:cd34")])).toEqual(["ab12", "cd34"]);
  });
});

describe("model.init through runExperiment", () => {
  const dir = mkdtempSync(join(tmpdir(), "unroll-init-"));
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const conllu = (words: [string, string][]) => words.map(([w, t], i) => `${i + 1}\t${w}\t_\t${t}\t_\t_\t0\t_\t_\t_`).join("\n") + "\n\n";
  const pos = (
    conllu([
      ["John", "PROPN"],
      ["lives", "VERB"],
      ["in", "ADP"],
      ["Paris", "PROPN"],
    ]) +
    conllu([
      ["Mary", "PROPN"],
      ["saw", "VERB"],
      ["Rome", "PROPN"],
    ])
  ).repeat(4);
  const ner = "John\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n\nMary\tB-PER\nsaw\tO\nRome\tB-LOC\n\nAnna\tB-PER\nsaw\tO\nOslo\tB-LOC\n\n".repeat(3);
  const model = { embeddingSize: 6, hiddenSize: 6, bidirectional: true, chars: { embeddingSize: 5, hiddenSize: 4 } };

  async function run(config: unknown): Promise<TrainEvent[]> {
    const events: TrainEvent[] = [];
    await runExperiment(config, { onEvent: (e) => void events.push(e) });
    return events;
  }
  const lastCheckpoint = (events: TrainEvent[]) =>
    events.filter((e): e is Extract<TrainEvent, { type: "checkpoint" }> => e.type === "checkpoint" && e.kind === "last").pop()!.data;

  it("a NER tagger starts from a POS tagger's file: the start event says what came over, and step 0's weights are the source's", async () => {
    const source = lastCheckpoint(
      await run({
        task: "tagger",
        data: { format: "conllu", train: file("pos.conllu", pos), valid: file("posv.conllu", pos) },
        model,
        train: { batchSize: 4, maxSteps: 4 },
      }),
    );
    const sourceFile = file("pos.safetensors", source);
    const nerData = { format: "iob2", train: file("ner.iob2", ner), valid: file("nerv.iob2", ner) };
    const events = await run({
      task: "tagger",
      data: nerData,
      model: { ...model, init: sourceFile },
      train: { batchSize: 4, maxSteps: 1, lr: 1e-9, clip: 1e-9 },
    });
    const start = events.find((e) => e.type === "start") as Extract<TrainEvent, { type: "start" }>;
    expect(start.warnings?.join("\n")).toMatch(
      /^init: from .*pos\.safetensors \(tagger, step 2\): 7 of 9 words \(77\.8%\), \d+ of \d+ characters, 16 recurrent tensors; the output layer starts fresh$/m,
    );
    // after one step at a vanishing learning rate the recurrent weights are still the source's
    const before = decodeCheckpoint(source).tensors;
    const after = decodeCheckpoint(lastCheckpoint(events)).tensors;
    for (const name of ["rnn.weight_ih_l0", "chars.rnn.weight_hh_l0_reverse"]) {
      const [a, b] = [after.get(name)!.data, before.get(name)!.data];
      expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThan(1e-6);
    }
    // without model.init they are not
    const fresh = decodeCheckpoint(
      lastCheckpoint(await run({ task: "tagger", data: nerData, model, train: { batchSize: 4, maxSteps: 1, lr: 1e-9, clip: 1e-9 } })),
    ).tensors;
    expect(fresh.get("rnn.weight_ih_l0")!.data).not.toEqual(before.get("rnn.weight_ih_l0")!.data);
  });

  it("refuses a missing file, run:ID outside the runner, and model.init beside data.vectors, saying what to do", async () => {
    const data = { format: "iob2", train: file("n.iob2", ner), valid: file("nv.iob2", ner) };
    await expect(run({ task: "tagger", data, model: { init: join(dir, "nope.safetensors") } })).rejects.toThrow(
      /model\.init: cannot read the checkpoint .*nope\.safetensors \(no such file\)/,
    );
    await expect(run({ task: "tagger", data, model: { init: "run:3f2a" } })).rejects.toThrow(
      /run:3f2a names a tracked run's checkpoint, which the runner reads/,
    );
    // a checkpoint of other sizes is refused before training, and leaves no tensors behind
    const source = lastCheckpoint(await run({ task: "tagger", data, model: { embeddingSize: 4, hiddenSize: 4 }, train: { batchSize: 4, maxSteps: 1 } }));
    const tensors = tf.memory().numTensors;
    await expect(run({ task: "tagger", data, model: { embeddingSize: 4, hiddenSize: 5, init: file("small.safetensors", source) } })).rejects.toThrow(
      /small\.safetensors's rnn\.weight_ih_l0 is \[16,4\], this model's \[20,4\]/,
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(() => parseExperimentConfig({ task: "tagger", data: { ...data, vectors: "v.txt" }, model: { init: "a.safetensors" } })).toThrow(
      /model\.init: model\.init and data\.vectors would both start the word embeddings/,
    );
    // ...unless the embeddings are left out of what it copies; initParts alone says nothing
    expect(
      parseExperimentConfig({ task: "tagger", data: { ...data, vectors: "v.txt" }, model: { init: "a.safetensors", initParts: ["rnn"] } }).model.initParts,
    ).toEqual(["rnn"]);
    expect(() => parseExperimentConfig({ task: "tagger", data, model: { initParts: ["rnn"] } })).toThrow(
      /model\.initParts: initParts says what model\.init copies, and model\.init is unset/,
    );
  });
});
