// playground router: generate, score, tag and classify from checkpoints of tiny models trained
// here (on files written to a temp dir), and the errors for a wrong task or no checkpoint.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, parseExperimentConfig, runExperiment } from "@unroll/core";
import type { Db } from "@unroll/db";
import { testTargets } from "@unroll/db/testing";
import { expectTRPCError, openApi, seedRun, type Api } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "unroll-api-playground-"));
const text = join(dir, "text.txt");
const tsv = join(dir, "sentiment.tsv");
const iob = join(dir, "ner.iob2");
writeFileSync(text, "to be or not to be, that is the question.\n".repeat(40));
writeFileSync(tsv, ["a good film\tpos", "bad movie\tneg", "great fun\tpos", "awful plot\tneg", "lovely\tpos", "boring\tneg"].join("\n"));
writeFileSync(iob, ["Paris\tB-LOC", "is\tO", "nice\tO", "", "Anna\tB-PER", "lives\tO", "in\tO", "Rome\tB-LOC", ""].join("\n").repeat(5));

const tiny = { embeddingSize: 8, hiddenSize: 8 };
const CONFIGS = {
  lm: {
    task: "lm",
    data: { format: "chars", train: text },
    model: { ...tiny, tied: true },
    train: { batchSize: 2, bptt: 8, maxSteps: 3, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0 },
  },
  classifier: { task: "classifier", data: { format: "tsv", train: tsv }, model: tiny, train: { batchSize: 2, maxSteps: 3, evalEvery: 0, checkpointEvery: 0 } },
  tagger: {
    task: "tagger",
    data: { format: "iob2", train: iob },
    model: { ...tiny, bidirectional: true },
    train: { batchSize: 2, maxSteps: 3, evalEvery: 0, checkpointEvery: 0 },
  },
};
const checkpoints: Record<string, Uint8Array> = {};

async function runWithCheckpoint(db: Db, task: keyof typeof CONFIGS): Promise<string> {
  const id = await seedRun(db, { name: task, config: CONFIGS[task], status: "COMPLETED" });
  await db.pool.query(
    `INSERT INTO "Checkpoint" (id, "runId", step, kind, metrics, format, size, data, "updatedAt") VALUES ($1, $2, 3, 'LAST', '{}', 'unroll-safetensors-v1', $3, $4, now())`,
    [`cp-${id}`, id, checkpoints[task]!.length, Buffer.from(checkpoints[task]!)],
  );
  return id;
}

beforeAll(async () => {
  await initBackend();
  for (const [task, config] of Object.entries(CONFIGS)) {
    await runExperiment(parseExperimentConfig(config), {
      onEvent: (e) => {
        if (e.type === "checkpoint") checkpoints[task] = e.data;
      },
    });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(await testTargets())("playground router on %s", (target) => {
  let api: Api;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    api = await openApi(target);
    for (const task of ["lm", "classifier", "tagger"] as const) ids[task] = await runWithCheckpoint(api.t.db, task);
    ids.none = await seedRun(api.t.db, { name: "no checkpoint", status: "RUNNING" });
  });
  afterAll(() => api?.close());

  it("lists runs that have checkpoints", async () => {
    const models = await api.caller.playground.models();
    expect(models.map((m) => m.task).sort()).toEqual(["classifier", "lm", "tagger"]);
    expect(models[0]!.checkpoints[0]).toMatchObject({ kind: "LAST", step: 3 });
  });

  it("generates n samples that start with the prompt, the same for the same seed", async () => {
    const a = await api.caller.playground.generate({ runId: ids.lm!, prompt: "to ", maxLength: 12, n: 2, seed: 5, temperature: 0.9, topK: 10, topP: 0.95 });
    expect(a.result).toHaveLength(2);
    for (const t of a.result) expect(t.startsWith("to ")).toBe(true);
    expect(a.checkpoint).toEqual({ kind: "LAST", step: 3 });
    const b = await api.caller.playground.generate({ runId: ids.lm!, prompt: "to ", maxLength: 12, n: 2, seed: 5, temperature: 0.9, topK: 10, topP: 0.95 });
    expect(b.result).toEqual(a.result);
  });

  it("scores a sentence per token", async () => {
    const { result } = await api.caller.playground.score({ runId: ids.lm!, text: "to be" });
    expect(result.tokens.map((t) => t.token).join("")).toMatch(/^to be/);
    expect(result.tokens.every((t) => t.logProb <= 0)).toBe(true);
    expect(result.logProb).toBeCloseTo(
      result.tokens.reduce((a, t) => a + t.logProb, 0),
      4,
    );
    expect(result.perplexity).toBeGreaterThan(1);
  });

  it("tags with a tagger and classifies with a classifier", async () => {
    const tags = await api.caller.playground.tag({ runId: ids.tagger!, text: "Anna lives in Paris" });
    expect(tags.result.map((t) => t.token)).toEqual(["Anna", "lives", "in", "Paris"]);
    for (const t of tags.result) expect(t.tag).toMatch(/^(O|[BI]-(LOC|PER))$/);
    const c = await api.caller.playground.classify({ runId: ids.classifier!, text: "a good film" });
    expect(["pos", "neg"]).toContain(c.result.label);
    expect(c.result.probabilities.pos! + c.result.probabilities.neg!).toBeCloseTo(1, 5);
  });

  it("states over a text, for every task: units x tokens per layer and direction; an LM's next tokens", async () => {
    const lm = await api.caller.playground.states({ runId: ids.lm!, text: "to be", topK: 3 });
    expect(lm.result.tokens).toHaveLength(6); // the start token, then t, o, space, b, e
    expect(lm.result.traces.map((t) => t.name)).toEqual(["h", "c", "i", "f", "g", "o"]);
    expect(lm.result.traces[0]!.values.map((u) => u.length)).toEqual(new Array(8).fill(6));
    expect(lm.result.next![5]!.map((n) => n.p)).toEqual([...lm.result.next![5]!.map((n) => n.p)].sort((a, b) => b - a));
    const tagger = await api.caller.playground.states({ runId: ids.tagger!, text: "Anna lives in Paris" });
    expect(tagger.result.tokens).toEqual(["Anna", "lives", "in", "Paris"]);
    expect(tagger.result.traces.map((t) => `${t.direction} ${t.name}`).slice(0, 2)).toEqual(["forward h", "forward c"]);
    expect(tagger.result.traces.some((t) => t.direction === "backward")).toBe(true);
    expect(tagger.result.next).toBeUndefined();
  });

  it("embeddings of an LM: a word's neighbours in E; a tied model has no separate V", async () => {
    const e = await api.caller.playground.embeddings({ runId: ids.lm!, word: "t", k: 3 });
    expect(e.result).toMatchObject({ tied: true, word: "t" });
    expect(e.result.neighbours.input).toHaveLength(3);
    expect(e.result.neighbours.input.map((n) => n.token)).not.toContain("t");
    expect(e.result.neighbours.output).toBeUndefined();
    await expectTRPCError(
      api.caller.playground.embeddings({ runId: ids.tagger!, word: "Anna" }),
      "PRECONDITION_FAILED",
      /tagger run: it cannot compare its embeddings/,
    );
  });

  it("says what a run cannot do, and when there is no checkpoint", async () => {
    await expectTRPCError(
      api.caller.playground.generate({ runId: ids.classifier! }),
      "PRECONDITION_FAILED",
      /classifier run: it cannot generate text; use Classify/,
    );
    await expectTRPCError(api.caller.playground.tag({ runId: ids.lm!, text: "x" }), "PRECONDITION_FAILED", /lm run/);
    await expectTRPCError(api.caller.playground.generate({ runId: ids.none! }), "PRECONDITION_FAILED", /has no checkpoint yet/);
    await expectTRPCError(api.caller.playground.generate({ runId: ids.lm!, kind: "BEST" }), "PRECONDITION_FAILED", /no best checkpoint/);
    await expectTRPCError(api.caller.playground.score({ runId: "missing", text: "x" }), "NOT_FOUND");
    await expectTRPCError(api.caller.playground.generate({ runId: ids.lm!, temperature: 0 }), "BAD_REQUEST");
  });
});
