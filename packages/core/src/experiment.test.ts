import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useCpu } from "./cells/testing.js";
import { exportCheckpoint } from "./checkpoint.js";
import { loadModel, runExperiment } from "./experiment.js";
import type { TrainEvent } from "./train/events.js";

beforeAll(useCpu);

const dir = mkdtempSync(join(tmpdir(), "unroll-exp-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const tiny = { embeddingSize: 8, hiddenSize: 8 };

/** Each named metric is a number in its range, so NaN and Infinity fail (expect.any(Number) lets them through). */
function expectMetrics(metrics: Record<string, number> | undefined, ranges: Record<string, [number, number]>): void {
  for (const [key, [low, high]] of Object.entries(ranges)) {
    const v = metrics?.[key];
    expect(typeof v === "number" && v >= low && v <= high, `${key} = ${v}, expected a number in [${low}, ${high}]`).toBe(true);
  }
}

async function collect(config: unknown, extra: { resume?: Uint8Array } = {}) {
  const events: TrainEvent[] = [];
  const result = await runExperiment(config, { onEvent: (e) => void events.push(e), ...extra });
  const last = events.filter((e): e is Extract<TrainEvent, { type: "checkpoint" }> => e.type === "checkpoint" && e.kind === "last").pop();
  return { events, result, last: last!.data };
}

describe("runExperiment + loadModel", () => {
  it("char LM: trains, samples, resumes, loads to generate and score", async () => {
    const train = file("lm.txt", "the cat sat on the mat.\nthe dog sat on the log.\n".repeat(20));
    const config = {
      task: "lm",
      data: { format: "chars", train },
      model: { ...tiny, tied: true },
      train: { batchSize: 2, bptt: 8, maxSteps: 6, evalEvery: 3, sampleEvery: 3, checkpointEvery: 0 },
      sample: { prompts: ["the "], maxLength: 12 },
    };
    const { events, last } = await collect(config);
    expect(events[0]).toMatchObject({ type: "start", totalSteps: 6 });
    const samples = events.filter((e) => e.type === "sample");
    expect(samples).toHaveLength(2);
    expect(samples[0]).toMatchObject({ prompt: "the ", text: expect.stringMatching(/^the /) });
    expect(events.filter((e) => e.type === "eval").map((e) => e.type === "eval" && e.split)).toEqual(["valid", "valid", "test"]);

    const resumed = await collect({ ...config, train: { ...config.train, maxSteps: 8 } }, { resume: last });
    expect(resumed.events.filter((e) => e.type === "step").map((e) => e.type === "step" && e.step)).toEqual([7, 8]);

    const before = tf.memory().numTensors;
    const model = loadModel(last);
    expect(model.task).toBe("lm");
    const [a] = await model.generate!({ prompt: "the", maxLength: 10, seed: 3 });
    expect(a).toMatch(/^the/);
    expect(await model.generate!({ prompt: "the", maxLength: 10, seed: 3 })).toEqual([a]);
    const s = await model.score!("the cat");
    expect(s.tokens.map((t) => t.token).join("")).toBe("the cat\n");
    expect(s.logProb).toBeCloseTo(
      s.tokens.reduce((x, t) => x + t.logProb, 0),
      4,
    );
    // A char model never writes <unk>/<pad>/<s>/</s> (so it runs to maxLength): even sampling near-uniformly.
    const [wild] = await model.generate!({ maxLength: 600, temperature: 1000, seed: 5 });
    expect(wild!.length).toBe(600);
    expect(wild).not.toMatch(/<unk>|<pad>|<\/?s>/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const exported = exportCheckpoint(last);
    expect(Object.keys(exported)).toEqual(["config.json", "vocab.json", "model.safetensors"]);
    // the exported weights alone restore the same model: the tokenizer travels in their metadata
    const again = loadModel(exported["model.safetensors"]);
    expect((await again.score!("the cat")).logProb).toBeCloseTo(s.logProb, 5);
    again.dispose();
  });

  it("tagger on IOB2 and classifier on TSV load and predict", async () => {
    const iob = "John\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n\nMary\tB-PER\nsaw\tO\nRome\tB-LOC\n\n".repeat(6);
    const tagger = await collect({
      task: "tagger",
      data: { format: "iob2", train: file("t.iob2", iob), valid: file("v.iob2", iob) },
      model: { ...tiny, bidirectional: true },
      train: { batchSize: 4, maxSteps: 3 },
    });
    const evaluated = tagger.events.find((e): e is Extract<TrainEvent, { type: "eval" }> => e.type === "eval");
    expectMetrics(evaluated?.metrics, { loss: [0, Number.MAX_VALUE], accuracy: [0, 1], f1: [0, 1] });
    const t = loadModel(tagger.last);
    const tags = await t.tag!("John saw Paris");
    expect(tags.map((x) => x.token)).toEqual(["John", "saw", "Paris"]);
    expect(tags.every((x) => t.labels?.includes(x.tag))).toBe(true);
    t.dispose();

    const tsv = "a good film\t1\na bad film\t0\ngood fun\t1\nbad acting\t0\n".repeat(5);
    const clf = await collect({
      task: "classifier",
      data: { format: "tsv", train: file("c.tsv", tsv), valid: file("cv.tsv", tsv) },
      model: { ...tiny, pooling: "mean" },
      train: { batchSize: 4, maxSteps: 3 },
    });
    expectMetrics(clf.result.metrics, { valid_accuracy: [0, 1], valid_macroF1: [0, 1] });
    const c = loadModel(clf.last);
    const out = await c.classify!("a good film");
    expect(Object.keys(out.probabilities).sort()).toEqual(["0", "1"]);
    expect(Object.values(out.probabilities).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    c.dispose();
  });
});
