// Character features end to end: config -> training -> checkpoint -> loadModel / export, with
// words the training data never had (their ids are all <unk>; their spelling is not).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "./cells/testing.js";
import { decodeCheckpoint, exportCheckpoint } from "./checkpoint.js";
import { loadModel, runExperiment } from "./experiment.js";
import { paramCount, type TaggerConfig } from "./models/index.js";
import type { TrainEvent } from "./train/events.js";

beforeAll(useCpu);

const dir = mkdtempSync(join(tmpdir(), "unroll-chars-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function lastCheckpoint(config: unknown): Promise<Uint8Array> {
  const events: TrainEvent[] = [];
  await runExperiment(config, { onEvent: (e) => void events.push(e) });
  const last = events.filter((e): e is Extract<TrainEvent, { type: "checkpoint" }> => e.type === "checkpoint" && e.kind === "last").pop();
  return last!.data;
}

describe("character features through checkpoints", () => {
  it("a tagger keeps its alphabet in the checkpoint and tags unseen words by their spelling, loaded and exported alike", async () => {
    const iob = "John\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n\nMary\tB-PER\nsaw\tO\nRome\tB-LOC\n\n".repeat(4);
    const bytes = await lastCheckpoint({
      task: "tagger",
      data: { format: "iob2", train: file("t.iob2", iob), valid: file("v.iob2", iob) },
      tokenizer: { lowercase: true },
      model: { embeddingSize: 6, hiddenSize: 6, bidirectional: true, chars: { embeddingSize: 5, hiddenSize: 4 } },
      train: { batchSize: 4, maxSteps: 3 },
    });
    const { metadata, tensors } = decodeCheckpoint(bytes);
    const model = metadata.model as unknown as TaggerConfig;
    expect(model.chars).toMatchObject({ embeddingSize: 5, hiddenSize: 4, alphabet: expect.arrayContaining(["<pad>", "<unk>", "J", "o"]) });
    expect(tensors.get("chars.embedding.weight")?.shape).toEqual([model.chars!.alphabet.length, 5]);
    expect(tensors.has("chars.rnn.weight_ih_l0_reverse")).toBe(true);

    const before = tf.memory().numTensors;
    const t = loadModel(bytes);
    expect(t.params).toBe(paramCount("tagger", model));
    const tags = await t.tag!("Zorblax saw Quuxville");
    expect(tags.map((x) => x.token)).toEqual(["Zorblax", "saw", "Quuxville"]); // raw tokens, capitals kept
    expect((await t.states("Zorblax saw")).traces.length).toBeGreaterThan(0);
    // the exported weights alone restore the same tagger (the alphabet travels in their metadata)
    const again = loadModel(exportCheckpoint(bytes)["model.safetensors"]);
    expect(await again.tag!("Zorblax saw Quuxville")).toEqual(tags);
    t.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a classifier with chars classifies texts of unseen words, and an empty text", async () => {
    const tsv = "a good film\t1\na bad film\t0\ngood fun\t1\nbad acting\t0\n".repeat(5);
    const bytes = await lastCheckpoint({
      task: "classifier",
      data: { format: "tsv", train: file("c.tsv", tsv), valid: file("cv.tsv", tsv) },
      model: { embeddingSize: 6, hiddenSize: 6, pooling: "mean", chars: {} },
      train: { batchSize: 4, maxSteps: 3, wordDropout: 0.3 },
    });
    const c = loadModel(bytes);
    for (const text of ["a splendiferous flick", ""]) {
      const out = await c.classify!(text);
      expect(Object.values(out.probabilities).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    }
    c.dispose();
  });
});
