// Bad input to the `unroll` CLI, table-driven: every row exits 2 with a message that says what was
// wrong and how to fix it, prints no stack trace, and creates no Run or Experiment row. Most rows
// run through the CLI's `main` in this process (a node start costs ~0.7 s); a handful run
// bin/unroll.js as a user does.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { main } from "../src/cli/main.js";
import { CORPUS, SPOOL_DIR } from "./fixtures.js";

const BIN = fileURLToPath(new URL("../bin/unroll.js", import.meta.url));
const [target] = await testTargets();
const dir = mkdtempSync(join(tmpdir(), "unroll-bad-input-"));
const path = (name: string) => join(dir, name);
const write = (name: string, content: unknown) => {
  writeFileSync(path(name), typeof content === "string" ? content : JSON.stringify(content));
  return path(name);
};

const tiny = {
  task: "lm",
  data: { format: "chars", train: CORPUS },
  model: { cell: "elman", embeddingSize: 8, hiddenSize: 8 },
  train: { batchSize: 4, bptt: 8, maxSteps: 2, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0, evalBatches: 1 },
};
const GOOD = write("good.json", tiny);
const withData = (data: Record<string, unknown>, task = "lm") => ({
  ...tiny,
  task,
  data,
  ...(task === "lm" ? {} : { model: { embeddingSize: 8, hiddenSize: 8 } }),
});
mkdirSync(path("corpus"), { recursive: true });
write("corpus/train.txt", "some text\n");
write("one.txt", "x");
write("empty.tsv", "");
write("bad-tag.iob2", "John\tB-PER\nSmith\tE-PER\n");
write("repairable.iob2", "Anna\tI-PER\nran\tO\n\nBob\tB-PER\nsat\tO\n\n".repeat(4));
const FILES = {
  name1mb: write("name-1mb.json", { ...tiny, name: "n".repeat(2 ** 20) }),
  deep: write("deep.json", `{"task":"lm","data":{"format":"chars","train":${JSON.stringify(CORPUS)}},"model":${"[".repeat(100_000)}${"]".repeat(100_000)}}`),
  deepObject: write("deep-object.json", `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`),
  missingData: write("missing-data.json", withData({ format: "chars", train: path("nope.txt") })),
  dirData: write("dir-data.json", withData({ format: "chars", train: path("corpus") })),
  dirValid: write("dir-valid.json", withData({ format: "chars", train: CORPUS, valid: path("corpus") })),
  relMissing: write("rel-missing.json", withData({ format: "chars", train: "nope.txt" })),
  relative: write("relative.json", withData({ format: "chars", train: "corpus/train.txt" })),
  devNull: write("dev-null.json", withData({ format: "chars", train: "/dev/null" })),
  oneToken: write("one-token.json", withData({ format: "chars", train: path("one.txt") })),
  emptyTsv: write("empty-tsv.json", withData({ format: "tsv", train: path("empty.tsv"), valid: path("empty.tsv") }, "classifier")),
  badTag: write("bad-tag.json", withData({ format: "iob2", train: path("bad-tag.iob2") }, "tagger")),
  repairable: write("repairable.json", { ...withData({ format: "iob2", train: path("repairable.iob2") }, "tagger"), name: "repaired" }),
  notJson: write("broken.json", '{"task": "lm",'),
  notYaml: write("broken.yaml", "task: lm\n  data: [\n"),
  nanYaml: write("nan.yaml", `task: lm\ndata:\n  format: chars\n  train: ${CORPUS}\ntrain:\n  lr: .nan\n`),
  infYaml: write("inf.yaml", `task: lm\ndata:\n  format: chars\n  train: ${CORPUS}\ntrain:\n  clip: .inf\n`),
  array: write("array.json", "[]"),
  empty: write("empty.json", "{}"),
  huge: write("huge.json", `{"task":"lm","pad":"${"x".repeat(11 * 2 ** 20)}"}`),
  prompts: write("prompts.json", { ...tiny, sample: { prompts: Array.from({ length: 21 }, () => "a") } }),
  longPrompt: write("long-prompt.json", { ...tiny, sample: { prompts: ["p".repeat(1001)] } }),
  wideUnknown: write("wide.json", { ...tiny, model: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1])) }),
};
// 50 x 1,000 = 50,000 combinations in one enqueue.
const HUGE_SWEEP = [
  "--sweep",
  `model.hiddenSize=${Array.from({ length: 50 }, (_, i) => i + 1).join(",")}`,
  "--sweep",
  `train.lr=${Array.from({ length: 1000 }, (_, i) => (i + 1) / 1e4).join(",")}`,
];

type Row = [args: string[], message: RegExp];
const set = (...overrides: string[]): string[] => ["enqueue", GOOD, ...overrides.flatMap((o) => ["--set", o])];
const NO_RUN = "00000000-0000-4000-8000-000000000000";

/** Listed in issue 11, item 5. */
const ISSUE_ROWS: Row[] = [
  [["train", FILES.name1mb], /^unroll: name: the config's name is 1,048,576 characters long, more than the 200 a run name may have: shorten it/],
  [["train", FILES.deep], /^unroll: model: the config nests more than 8 levels deep \(at model\.0\.0\.0\.0\.0\.\.\.\).*remove the extra nesting/],
  [["enqueue", GOOD, "--sweep", "model.cell=lstm,,gru"], /an empty value between commas; remove the extra comma \(--sweep model\.cell=lstm,gru\)/],
  [["enqueue", GOOD, "--sweep", "model.cell="], /--sweep expects key=v1,v2,\.\.\. \(for example --sweep model\.cell=lstm,gru\), got "model\.cell="/],
  [["enqueue", GOOD, "--max-attempts", "2.5"], /--max-attempts must be a whole number from 1 to 10, got 2\.5/],
  [
    ["train", GOOD, "--set", "model.hiddenSize=1000000"],
    /model\.hiddenSize: training needs about [\d.]+ TiB .*more than the 4 GiB a training process can use: set model\.hiddenSize to at most [\d,]+ \(now 1,000,000\)/,
  ],
  [
    ["train", GOOD, "--set", "train.bptt=1e9"],
    /train\.bptt: training needs about .*activations of 4 x 1,000,000,000 tokens.*set train\.bptt to at most [\d,]+/,
  ],
  [["enqueue", GOOD, "--seeds", "2000"], /ask for 2000 seeds: 2,000 runs is more than the 200 one request may queue; use fewer sweep values or seeds/],
  [["enqueue", GOOD, "--max-attempts", "0"], /--max-attempts must be a whole number from 1 to 10, got 0/],
  [["enqueue", GOOD, "--experiment", ""], /--experiment was given an empty value: give it one \(e\.g\. --experiment baseline\)/],
  [["enqueue", FILES.missingData], /data\.train: no file at .*nope\.txt: fix the path/],
  [["enqueue", FILES.dirData], /data\.train: .*corpus is a directory, not a file: give one file for data\.train; it holds .*corpus\/train\.txt/],
  [
    ["train", FILES.oneToken],
    /expected at least 8 training tokens \(2 rows of train\.batchSize = 4\), got 0 in the train split \(the first 90% of the file, which has 1 token; give data\.valid or data\.test to train on all of it\): add text/,
  ],
  [["enqueue", FILES.oneToken], /one\.txt: expected at least 8 training tokens/],
  [["enqueue", GOOD, ...HUGE_SWEEP], /ask for 50 model\.hiddenSize x 1000 train\.lr x 1 seed: 50,000 runs is more than the 200 one request may queue/],
];

const MORE_ROWS: Row[] = [
  // numbers in the config: zero, negative, fractional, not a number, too big
  [set("model.hiddenSize=0"), /model\.hiddenSize: Too small: expected number to be >=1; received 0/],
  [set("model.hiddenSize=-1"), /model\.hiddenSize: .*>=1; received -1/],
  [set("model.hiddenSize=1.5"), /model\.hiddenSize: expected int, received 1\.5/],
  [set("model.hiddenSize=abc"), /model\.hiddenSize: expected number, received "abc"/],
  [set("model.hiddenSize=NaN"), /model\.hiddenSize: expected number, received "NaN"/],
  [set("model.embeddingSize=0"), /model\.embeddingSize: .*>=1/],
  [set("model.embeddingSize=1000000000"), /model\.embeddingSize: training needs about .*set model\.embeddingSize to at most/],
  [set("model.layers=0"), /model\.layers: .*>=1/],
  [set("model.layers=9"), /model\.layers: Too big: expected number to be <=8; received 9/],
  [set("model.dropout=1"), /model\.dropout: .*<1; received 1/],
  [set("model.dropout=-0.1"), /model\.dropout: .*>=0/],
  [set("train.lr=0"), /train\.lr: .*>0; received 0/],
  [set("train.lr=-1"), /train\.lr: .*received -1/],
  [set("train.clip=0"), /train\.clip: .*>0/],
  [set("train.lrDecay=0.5"), /train\.lrDecay: .*>=1/],
  [set("train.batchSize=0"), /train\.batchSize: .*>=1/],
  [set("train.batchSize=10000000"), /train\.batchSize: training needs about .*set train\.batchSize to at most/],
  [set("train.bptt=0"), /train\.bptt: .*>=1/],
  [set("train.epochs=0"), /train\.epochs: .*>=1/],
  [set("train.epochs=1e20"), /train\.epochs: .*received 100000000000000000000/],
  [set("train.maxSteps=0"), /train\.maxSteps: .*>=1/],
  [set("train.seed=-1"), /train\.seed: .*>=0/],
  [set("train.evalEvery=-5"), /train\.evalEvery: .*>=0/],
  [set("train.evalBatches=0"), /train\.evalBatches: .*>=1/],
  [set("sample.temperature=0"), /sample\.temperature: .*>0/],
  [set("sample.topP=0"), /sample\.topP: .*>0/],
  [set("sample.topP=1.5"), /sample\.topP: .*<=1/],
  [set("sample.topK=0"), /sample\.topK: .*>=1/],
  [set("sample.maxLength=100000"), /sample\.maxLength: Too big: expected number to be <=10000/],
  [set("tokenizer.minFrequency=0"), /tokenizer\.minFrequency: .*>=1/],
  [set("tokenizer.maxVocab=4"), /tokenizer\.maxVocab: .*>=5/],
  [["enqueue", FILES.nanYaml], /train\.lr: expected number, received NaN/],
  [["enqueue", FILES.infYaml], /train\.clip: expected number, received Infinity/],
  // enums and types
  [set("model.cell=transformer"), /model\.cell: expected one of "elman", "lstm", "gru", received "transformer"/],
  [set("task=translation"), /task: expected one of "lm", "tagger", "classifier"/],
  [set("train.optimizer=rmsprop"), /train\.optimizer: expected one of "sgd", "adam"/],
  [set("tokenizer.kind=byte"), /tokenizer\.kind: expected one of "char", "word"/],
  [set("model.activation=sigmoid"), /model\.activation: expected one of "tanh", "relu"/],
  [set("data.corpus=nope"), /data\.corpus: expected one of "tiny-shakespeare"/],
  [set("data.format=csv"), /data\.format: expected one of "text", "chars"/],
  [set("model.bidirectional=maybe"), /model\.bidirectional: expected boolean, received "maybe"/],
  [set("model.tied=true", "model.embeddingSize=16"), /model\.tied: weight tying needs embeddingSize = hiddenSize, got 16 and 8/],
  [set("model.hidenSize=8"), /unknown key model\.hidenSize; did you mean model\.hiddenSize\?/],
  [set("nope=1"), /unknown key nope/],
  [set("train.lr"), /expected key=value \(e\.g\. train\.lr=0\.1\)/],
  // flags
  [["enqueue", GOOD, "--bogus"], /Unknown option '--bogus'.*see `unroll help`/],
  [["enqueue", GOOD, "--seeds", "abc"], /--seeds expects a number, got "abc"/],
  [["enqueue", GOOD, "--seeds", "0"], /--seeds must be a positive whole number, got 0/],
  [["enqueue", GOOD, "--seeds=-3"], /--seeds must be a positive whole number, got -3/],
  [["enqueue", GOOD, "--seeds", "-3"], /Option '--seeds' argument is ambiguous\.[^]*To specify an option argument starting with a dash use '--seeds=-XYZ'/],
  [["enqueue", GOOD, "--seeds", "1.5"], /--seeds must be a positive whole number, got 1\.5/],
  [["enqueue", GOOD, "--max-attempts", "11"], /--max-attempts must be a whole number from 1 to 10, got 11/],
  [["enqueue", GOOD, "--max-attempts", "abc"], /--max-attempts expects a number/],
  [["enqueue", GOOD, "--experiment", "   "], /--experiment was given an empty value/],
  [["enqueue", GOOD, "--experiment", "e".repeat(201)], /experiment: the experiment name is 201 characters long, more than the 200 allowed: shorten it/],
  [["enqueue", GOOD, "--sweep", "model.cell=lstm,lstm"], /lstm is given twice.*give each value once/],
  [["enqueue", GOOD, "--sweep", "model.cell=lstm", "--sweep", "model.cell=gru"], /--sweep names model\.cell twice; give all its values in one --sweep/],
  [["enqueue", GOOD, "--sweep", "train.seed=1,2", "--seeds", "2"], /use either --seeds or --sweep train\.seed=\.\.\., not both/],
  [
    ["enqueue", GOOD, "--sweep", "model=lstm,gru"],
    /run "lm elman model=lstm" of the sweep: model: model is a section, not a field: name one of its fields, e.g. model\.cell=\.\.\. \(fields: model\.cell, /,
  ],
  [["enqueue", GOOD, "--sweep", "train.nope=1,2"], /unknown key train\.nope/],
  [["enqueue", GOOD, "--sweep", "=lstm"], /--sweep expects key=v1,v2/],
  [["enqueue", GOOD, "--sweep", "model.cell=lstm,banana"], /run "lm elman cell=banana" of the sweep: model\.cell: expected one of/],
  [["enqueue", GOOD, "--sweep", "model.hiddenSize=8,2000000"], /run "lm elman hiddenSize=2000000" of the sweep: model\.hiddenSize: training needs about/],
  [["frobnicate"], /unknown command "frobnicate"; commands: train, enqueue/],
  // config files
  [["enqueue"], /missing the config file: unroll train <config\.json\|config\.yaml>/],
  [["enqueue", path("missing.json")], /cannot read config file .*missing\.json: no such file/],
  [["enqueue", dir], /cannot read config file .*: it is a directory; give the config file in it/],
  [["enqueue", FILES.notJson], /broken\.json is not valid JSON/],
  [["enqueue", FILES.notYaml], /broken\.yaml is not valid YAML/],
  [["enqueue", FILES.array], /expected object, received \[\]/],
  [
    ["enqueue", FILES.empty],
    /task: expected one of "lm", "tagger", "classifier", received nothing \(and 1 more: data: expected object, received nothing: set data/,
  ],
  [["enqueue", FILES.huge], /huge\.json is 11\.0 MiB; a config is a few KB: is this the right file\?/],
  [["enqueue", FILES.deepObject], /a: the config nests more than 8 levels deep/],
  [["enqueue", FILES.prompts], /sample\.prompts: Too big: expected array to have <=20 items/],
  [["enqueue", FILES.longPrompt], /sample\.prompts\.0: Too big: expected string to have <=1000 characters/],
  [["enqueue", FILES.wideUnknown], /model: unknown keys k0, k1, k2, k3, k4 and 9995 more/],
  // data
  [["enqueue", FILES.dirValid], /data\.valid: .*corpus is a directory, not a file/],
  [["enqueue", FILES.devNull], /data\.train: \/dev\/null is not a regular file/],
  [["train", FILES.missingData], /data\.train: no file at .*nope\.txt: fix the path/],
  [["enqueue", FILES.emptyTsv], /empty\.tsv: expected at least 1 training example, got 0: the file needs lines \(text TAB label\)/],
  [
    ["enqueue", FILES.badTag],
    /bad-tag\.iob2:2: expected an IOB2 tag \(O, B-TYPE or I-TYPE such as B-PER\) in the tag column, got something else; fix the tag column\nunroll: {3}the line reads "E-PER"/,
  ],
  // runs that are not there, ids that are not ids
  [["show"], /missing the run id \(see `unroll runs`\)/],
  [["show", NO_RUN], /no run matches "00000000-0000-4000-8000-000000000000" \(see `unroll runs`\)/],
  [["show", "../etc/passwd"], /"\.\.\/etc\/passwd" is not a run id: give a run's id or the start of it/],
  [["show", "a".repeat(100)], /is not a run id/],
  [["logs", NO_RUN], /no run matches/],
  [["cancel", NO_RUN], /no run matches/],
  [["compare", NO_RUN], /compare needs at least two runs/],
  [["compare", NO_RUN, "ffffffff"], /no run matches/],
  [["sample", NO_RUN], /no run matches/],
  [["sample", NO_RUN, "--temperature=-1"], /--temperature must be >= 0, got -1/],
  [["sample", NO_RUN, "--top-p", "2"], /--top-p must be in \(0, 1\], got 2/],
  [["sample", NO_RUN, "--n", "0"], /--n must be a whole number from 1 to 100, got 0/],
  [["sample", NO_RUN, "--seed=-1"], /--seed must be a whole number >= 0, got -1/],
  [["sample", NO_RUN, "--max-length", "100000"], /--max-length must be a whole number from 1 to 10000/],
  [["sample", NO_RUN, "--temperature", "hot"], /--temperature expects a number, got "hot"/],
  [["score", NO_RUN], /score needs a sentence: unroll score RUN "a sentence"/],
  [["export", NO_RUN], /export needs --out DIR/],
  [["export", NO_RUN, "--out", path("out")], /no run matches/],
  [["runs", "--limit", "0"], /--limit must be a whole number from 1 to 100000, got 0/],
  [["runs", "--limit=-1"], /--limit must be a whole number from 1 to 100000, got -1/],
  [["runs", "--status", "bogus"], /--status must be one of QUEUED, RUNNING/],
  [["worker", "--concurrency", "0"], /--concurrency must be a positive integer, got 0/],
];

/** The rows that run as a real process (the rest go through `main` in this process). */
const REAL = new Set<Row>([ISSUE_ROWS[0]!, ISSUE_ROWS[1]!, ISSUE_ROWS[2]!, ISSUE_ROWS[5]!]);

describe(`unroll CLI refuses bad input on ${target}`, () => {
  let t: TestDatabase;
  const env = () => ({ DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: join(SPOOL_DIR, "bad-input-home") });
  beforeAll(async () => {
    t = await createTestDatabase(target!);
    Object.assign(process.env, env());
  }, 120_000);
  afterAll(() => t?.close());

  const counts = async () => {
    const { rows } = await t.db.pool.query<{ runs: number; experiments: number }>(
      `SELECT (SELECT count(*)::int FROM "Run") AS runs, (SELECT count(*)::int FROM "Experiment") AS experiments`,
    );
    return rows[0]!;
  };

  async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }

  function spawned(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env() }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  const rows = [...ISSUE_ROWS, ...MORE_ROWS];
  it(`has the ${ISSUE_ROWS.length} listed cases and ${MORE_ROWS.length} more`, () => {
    expect(MORE_ROWS.length).toBeGreaterThanOrEqual(30);
  });

  it("exits 2 with what was wrong and how to fix it, no stack trace, nothing created", async () => {
    const before = await counts();
    const failures: string[] = [];
    const real = await Promise.all([...REAL].map((row) => spawned(row[0]))); // in parallel: each is a node start
    let r = 0;
    for (const row of rows) {
      const [args, message] = row;
      const res = REAL.has(row) ? real[r++]! : await inProcess(args);
      const label = args.map((a) => (a.length > 60 ? `${a.slice(0, 60)}...` : a)).join(" ");
      if (res.code !== 2) failures.push(`${label}: exit ${res.code}, expected 2\n${res.stderr.slice(0, 600)}`);
      else if (!message.test(res.stderr)) failures.push(`${label}: stderr does not match ${message}\n${res.stderr.slice(0, 600)}`);
      else if (/\n\s+at /.test(res.stderr)) failures.push(`${label}: a stack trace\n${res.stderr.slice(0, 600)}`);
      else if (res.stderr.length > 2000) failures.push(`${label}: a ${res.stderr.length}-character message`);
    }
    expect(failures, `${failures.length} of ${rows.length} rows failed:\n\n${failures.join("\n\n")}`).toEqual([]);
    expect(await counts()).toEqual(before);
  }, 120_000);

  it("refuses a 50,000-combination sweep before building it", async () => {
    const started = performance.now();
    const res = await inProcess(["enqueue", GOOD, ...HUGE_SWEEP]);
    const ms = performance.now() - started;
    expect(res.code).toBe(2);
    console.log(`50,000-combination sweep refused in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });

  it("resolves relative data paths from the submitter's directory and stores them absolute", async () => {
    const missing = await spawned(["enqueue", FILES.relMissing], dir);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/data\.train: no file at .*\/nope\.txt \("nope\.txt" from .*unroll-bad-input-\w+\): fix the path/);
    const ok = await spawned(["enqueue", FILES.relative, "--json", "--experiment", "relative"], dir);
    expect(ok.code, ok.stderr).toBe(0);
    const { runIds } = JSON.parse(ok.stdout) as { runIds: string[] };
    const { rows } = await t.db.pool.query<{ train: string }>(`SELECT config->'data'->>'train' AS train FROM "Run" WHERE id = $1`, [runIds[0]]);
    expect(rows[0]!.train).toBe(join(dir, "corpus", "train.txt"));
  }, 60_000);

  it("repairs an I- tag that continues no entity as conlleval does, and says so on stderr", async () => {
    const res = await inProcess(["enqueue", FILES.repairable, "--experiment", "iob2"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(
      /unroll: warning: .*repairable\.iob2: 4 I- tags continued no entity \(the first at line 1: I-PER after the start of a sentence\); read as B-PER, a new entity, as conlleval does/,
    );
  });
});
