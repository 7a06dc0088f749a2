// The PyTorch loader (packages/core/python/unroll_torch.py) against the CLI: tiny models trained
// with `unroll enqueue` + `unroll worker --once`, exported with `unroll export`, loaded with torch;
// its scores must be `unroll score`'s (1e-4 per token), its greedy text `unroll sample --greedy`'s,
// its tags `unroll tag`'s and its classes `unroll classify`'s. And CHECKPOINT.md's example runs
// verbatim on those exports. Needs torch (Debian: apt-get install python3-torch); without it the
// suite is skipped and says why.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { CHECKPOINT_DOC, CORE_PYTHON_DIR, CORE_TEST_FIXTURES } from "@unroll/layout";
import { SPOOL_DIR } from "./fixtures.js";
import { runUnroll, type UnrollResult } from "./unroll-process.js";

/** Debian's python3 (where apt puts torch) when it has torch, else the python3 on PATH; or why neither. */
function torchPython(): { python?: string; reason?: string } {
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    if (spawnSync(candidate, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return { python: candidate };
  }
  return { reason: "no python3 with torch (neither /usr/bin/python3 nor python3 can import torch; Debian: apt-get install python3-torch)" };
}
const { python, reason } = torchPython();
if (!python) console.warn(`pytorch-loader.test.ts: SKIPPED: ${reason}`);

const [target] = await testTargets();
const dir = mkdtempSync(join(tmpdir(), "unroll-torch-"));
const train = { batchSize: 4, bptt: 16, maxSteps: 12, evalEvery: 6, evalBatches: 1, sampleEvery: 0, checkpointEvery: 0 };
const shakespeare = { task: "lm", data: { corpus: "tiny-shakespeare" }, train };

interface Case {
  name: string;
  config: Record<string, unknown>;
  score?: string[];
  generate?: { prompt: string; maxLength: number }[];
  tag?: string[];
  classify?: string[];
}
// Characters outside the vocabulary ("é"), an empty prompt, and literal specials in word input.
const charLm = {
  score: ["To be, or not to be", "Thé end"],
  generate: [
    { prompt: "ROMEO:", maxLength: 40 },
    { prompt: "", maxLength: 25 },
  ],
};
const CASES: Case[] = [
  { name: "lstm-tied", config: { ...shakespeare, model: { cell: "lstm", layers: 2, embeddingSize: 12, hiddenSize: 12, tied: true } }, ...charLm },
  { name: "lstm-untied", config: { ...shakespeare, model: { cell: "lstm", embeddingSize: 8, hiddenSize: 12, tied: false } }, ...charLm },
  { name: "gru-tied", config: { ...shakespeare, model: { cell: "gru", embeddingSize: 12, hiddenSize: 12, tied: true } }, ...charLm },
  { name: "gru-untied", config: { ...shakespeare, model: { cell: "gru", layers: 2, embeddingSize: 8, hiddenSize: 12, tied: false } }, ...charLm },
  { name: "elman-tied", config: { ...shakespeare, model: { cell: "elman", embeddingSize: 12, hiddenSize: 12, tied: true } }, ...charLm },
  {
    name: "elman-relu-untied",
    config: { ...shakespeare, model: { cell: "elman", activation: "relu", embeddingSize: 8, hiddenSize: 12, tied: false } },
    ...charLm,
  },
  {
    name: "word-lstm-tied",
    config: {
      task: "lm",
      data: { format: "text", train: join(CORE_TEST_FIXTURES, "wikitext-excerpt.txt") },
      model: { cell: "lstm", embeddingSize: 12, hiddenSize: 12, tied: true },
      train: { ...train, evalEvery: 0 },
    },
    score: ["the game is a <unk> </s> game", "an unseenword"],
    generate: [
      { prompt: "The game", maxLength: 30 },
      { prompt: "", maxLength: 20 },
    ],
  },
  {
    name: "bilstm-tagger",
    config: {
      task: "tagger",
      data: { format: "conllu", train: join(CORE_TEST_FIXTURES, "ewt-excerpt.conllu") },
      model: { cell: "lstm", layers: 2, bidirectional: true, embeddingSize: 8, hiddenSize: 8 },
      train: { ...train, evalEvery: 0 },
    },
    tag: ["American forces killed Shaikh Abdullah al-Ani , the preacher", "an unseenword ."],
  },
  {
    name: "bigru-classifier-last",
    config: {
      task: "classifier",
      data: { format: "tsv", train: join(CORE_TEST_FIXTURES, "sst2-excerpt.tsv") },
      model: { cell: "gru", bidirectional: true, pooling: "last", embeddingSize: 8, hiddenSize: 8 },
      train: { ...train, evalEvery: 0 },
    },
    classify: ["a stirring , funny and finally transporting film", "soap"],
  },
  {
    name: "lstm-classifier-mean",
    config: {
      task: "classifier",
      data: { format: "tsv", train: join(CORE_TEST_FIXTURES, "sst2-excerpt.tsv") },
      model: { cell: "lstm", pooling: "mean", embeddingSize: 8, hiddenSize: 8 },
      train: { ...train, evalEvery: 0 },
    },
    classify: ["apparently reassembled from the cutting room floor"],
  },
];

// Runs each case's calls through the loader and prints one JSON object: { case name: results }.
const DRIVER = `
import json, sys
import unroll_torch
out = {}
for c in json.load(sys.stdin):
    m = unroll_torch.load(c["dir"])
    out[c["name"]] = {
        "task": m.task,
        "score": [m.score(t) for t in c.get("score", [])],
        "generate": [m.generate(g["prompt"], max_length=g["maxLength"]) for g in c.get("generate", [])],
        "tag": [m.tag(t) for t in c.get("tag", [])],
        "classify": [m.classify(t) for t in c.get("classify", [])],
    }
print(json.dumps(out))
`;

interface Score {
  logProb: number;
  tokens: { token: string; logProb: number }[];
}

describe.skipIf(!python)(`the PyTorch loader reproduces the CLI${python ? ` (${python})` : ` (skipped: ${reason})`} on ${target}`, () => {
  let t: TestDatabase;
  const runs = new Map<string, string>(); // case name -> run id
  const exports = new Map<string, string>(); // case name -> export dir
  const cli = new Map<string, Record<string, unknown[]>>(); // case name -> the CLI's answers

  const unroll = (...args: string[]): Promise<UnrollResult> =>
    runUnroll(args, { DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: join(SPOOL_DIR, "torch-home") });
  async function json(...args: string[]): Promise<unknown> {
    const r = await unroll(...args, "--json");
    expect(r.code, `unroll ${args.join(" ")}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
  }

  beforeAll(async () => {
    t = await createTestDatabase(target!);
    for (const c of CASES) {
      const file = join(dir, `${c.name}.json`);
      writeFileSync(file, JSON.stringify({ name: c.name, ...c.config }));
      const { runIds } = (await json("enqueue", file, "--experiment", "torch-loader")) as { runIds: string[] };
      runs.set(c.name, runIds[0]!);
    }
    await json("worker", "--once");
    for (const c of CASES) {
      const id = runs.get(c.name)!;
      const answers: Record<string, unknown[]> = { score: [], generate: [], tag: [], classify: [] };
      for (const text of c.score ?? []) answers.score!.push(await json("score", id, text));
      for (const g of c.generate ?? [])
        answers.generate!.push(
          ((await json("sample", id, "--greedy", "--prompt", g.prompt, "--max-length", String(g.maxLength))) as { samples: string[] }).samples[0],
        );
      for (const text of c.tag ?? []) answers.tag!.push(await json("tag", id, text));
      for (const text of c.classify ?? []) answers.classify!.push(await json("classify", id, text));
      cli.set(c.name, answers);
      const out = join(dir, "exports", c.name);
      await json("export", id, "--out", out);
      exports.set(c.name, out);
    }
  }, 900_000); // ~35 CLI processes: about 100 s alone, several minutes on a busy machine
  afterAll(() => t?.close());

  function loader(stdin: string, cwd = dir): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(python!, ["-c", DRIVER], { input: stdin, cwd, encoding: "utf8", env: { ...process.env, PYTHONPATH: CORE_PYTHON_DIR } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("scores, generates greedily, tags and classifies as the CLI does, for every cell, tied and untied", () => {
    const r = loader(JSON.stringify(CASES.map((c) => ({ ...c, dir: exports.get(c.name) }))));
    expect(r.code, r.stderr).toBe(0);
    const torch = JSON.parse(r.stdout) as Record<
      string,
      { task: string; score: Score[]; generate: string[]; tag: unknown[]; classify: { label: string; probabilities: Record<string, number> }[] }
    >;
    let worst = 0;
    for (const c of CASES) {
      const ours = cli.get(c.name)!;
      const theirs = torch[c.name]!;
      expect(theirs.task, c.name).toBe((c.config as { task: string }).task);
      (ours.score as Score[]).forEach((s, i) => {
        const p = theirs.score[i]!;
        expect(
          p.tokens.map((x) => x.token),
          `${c.name} tokens of ${c.score![i]}`,
        ).toEqual(s.tokens.map((x) => x.token));
        s.tokens.forEach((x, j) => (worst = Math.max(worst, Math.abs(x.logProb - p.tokens[j]!.logProb))));
        expect(Math.abs(p.logProb - s.logProb), `${c.name} sentence log-probability`).toBeLessThan(1e-4 * s.tokens.length);
      });
      expect(theirs.generate, `${c.name} greedy samples`).toEqual(ours.generate);
      if (c.generate === charLm.generate) {
        // a character model writes exactly max-length characters after its prompt (no stop token)
        c.generate.forEach((g, i) =>
          expect(Array.from(ours.generate![i] as string).length, `${c.name} sample ${i}`).toBe(Array.from(g.prompt).length + g.maxLength),
        );
      }
      expect(theirs.tag, `${c.name} tags`).toEqual(ours.tag);
      (ours.classify as { label: string; probabilities: Record<string, number> }[]).forEach((k, i) => {
        const p = theirs.classify[i]!;
        expect(p.label, `${c.name} label of ${c.classify![i]}`).toBe(k.label);
        for (const [label, prob] of Object.entries(k.probabilities))
          expect(Math.abs(p.probabilities[label]! - prob), `${c.name} p(${label})`).toBeLessThan(1e-4);
      });
    }
    expect(worst, "largest per-token |log p| difference").toBeLessThan(1e-4);
    console.log(`pytorch loader: largest per-token |log p| difference from unroll score ${worst.toExponential(1)} over ${CASES.length} models`);
  });

  it("says what is wrong with a folder that is not an export", () => {
    const empty = join(dir, "not-an-export");
    mkdirSync(empty, { recursive: true });
    const missing = loader(JSON.stringify([{ name: "x", dir: empty }]));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/model\.safetensors: not found; write it with `unroll export RUN --out DIR`/);
    writeFileSync(join(empty, "model.safetensors"), "not a checkpoint");
    const garbage = loader(JSON.stringify([{ name: "x", dir: empty }]));
    expect(garbage.stderr).toMatch(/header length \d+ runs past the end of the file/);
  });

  it("runs CHECKPOINT.md's PyTorch example verbatim on the exports", () => {
    const doc = readFileSync(CHECKPOINT_DOC, "utf8");
    const blocks = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length, "python blocks in CHECKPOINT.md").toBeGreaterThan(0);
    // The example loads the folders lm/, tagger/ and classifier/ that `unroll export` wrote.
    const cwd = mkdtempSync(join(dir, "doc-"));
    symlinkSync(exports.get("lstm-tied")!, join(cwd, "lm"));
    symlinkSync(exports.get("bilstm-tagger")!, join(cwd, "tagger"));
    symlinkSync(exports.get("bigru-classifier-last")!, join(cwd, "classifier"));
    for (const code of blocks) {
      const r = spawnSync(python!, ["-c", code], { cwd, encoding: "utf8", env: { ...process.env, PYTHONPATH: CORE_PYTHON_DIR } });
      expect(r.status, `${code}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length, "the example prints what it computed").toBeGreaterThan(0);
    }
  });
});
