// Bad input to the api, table-driven: every row is refused with a 4xx tRPC code and a short
// message that says what was wrong and how to fix it (one line per field, no zod dump, no Prisma
// text), and creates no Run or Experiment row. Rows go through the api's caller; the HTTP rows
// through handleTrpcRequest, the handler the web app mounts (tRPC's fetch adapter behind the
// body limit).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { testTargets } from "@unroll/db/testing";
import { createTRPCContext, handleTrpcRequest } from "../src/index.js";
import { openApi, seedRun, TINY_LM, type Api } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "unroll-api-bad-input-"));
mkdirSync(join(dir, "corpus"));
writeFileSync(join(dir, "corpus", "train.txt"), "some text\n");
const NO_RUN = "00000000-0000-4000-8000-000000000000";

type Caller = Api["caller"];
type Code = TRPCError["code"];
type Row = [name: string, call: (c: Caller) => Promise<unknown>, code: Code, message: RegExp];

const lm = (patch: Record<string, unknown>) => {
  const out: Record<string, unknown> = { ...TINY_LM };
  for (const [section, fields] of Object.entries(patch)) {
    const base = (TINY_LM as Record<string, unknown>)[section];
    out[section] =
      fields !== null && typeof fields === "object" && !Array.isArray(fields) && base && typeof base === "object" ? { ...base, ...fields } : fields;
  }
  return out;
};
const enqueue = (input: Record<string, unknown>) => (c: Caller) => c.launch.enqueue({ experiment: "bad", config: TINY_LM, ...input } as never);
const config = (patch: Record<string, unknown>) => enqueue({ config: lm(patch) });
const files = (data: Record<string, unknown>) => enqueue({ config: { ...TINY_LM, data: { format: "chars", ...data } } });
const sweep = (grid: { key: string; values: string[] }[], seeds = 1) => enqueue({ sweep: { grid, seeds } });
const values = (n: number, f: (i: number) => string = (i) => String(i + 1)) => Array.from({ length: n }, (_, i) => f(i));
const DEEP = `{"task":"lm","data":{"corpus":"tiny-shakespeare"},"model":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
const deep = JSON.parse(DEEP);
/** 50 x 50 x 20 = 50,000 combinations, every one a valid config. */
const HUGE_GRID = [
  { key: "train.lr", values: values(50, (i) => String((i + 1) / 1e4)) },
  { key: "train.clip", values: values(50) },
  { key: "train.batchSize", values: values(20) },
];

/** Listed in issue 11, item 5. */
const ISSUE_ROWS: Row[] = [
  [
    "a 10,000-character run name",
    config({ name: "n".repeat(10_000) }),
    "BAD_REQUEST",
    /^name: the run name is 10,000 characters long, more than the 200 allowed: shorten it/,
  ],
  ["a config nested 100,000 deep", enqueue({ config: deep }), "BAD_REQUEST", /^model: the config nests more than 8 levels deep .*remove the extra nesting/],
  [
    "hiddenSize 1,000,000",
    config({ model: { hiddenSize: 1_000_000, embeddingSize: 16, tied: false } }),
    "BAD_REQUEST",
    /^model\.hiddenSize: training needs about [\d.]+ TiB .*set model\.hiddenSize to at most [\d,]+ \(now 1,000,000\)/,
  ],
  ["bptt 1e9", config({ train: { bptt: 1e9 } }), "BAD_REQUEST", /^train\.bptt: training needs about .*set train\.bptt to at most/],
  ["maxAttempts 0", enqueue({ maxAttempts: 0 }), "BAD_REQUEST", /^maxAttempts: Too small: expected number to be >=1$/],
  ["maxAttempts 2.5", enqueue({ maxAttempts: 2.5 }), "BAD_REQUEST", /^maxAttempts: Invalid input: expected int, received number$/],
  ['experiment ""', enqueue({ experiment: "" }), "BAD_REQUEST", /^experiment: name the experiment$/],
  [
    "a data path that does not exist",
    files({ train: join(dir, "nope.txt") }),
    "BAD_REQUEST",
    /^data\.train: with the base config: no file at .*nope\.txt: fix the path/,
  ],
  [
    "a data path that is a directory",
    files({ train: join(dir, "corpus") }),
    "BAD_REQUEST",
    /^data\.train: .*corpus is a directory, not a file: give one file for data\.train; it holds .*train\.txt/,
  ],
  [
    "a relative data path",
    files({ train: "corpus/train.txt" }),
    "BAD_REQUEST",
    /^data\.train: .*"corpus\/train\.txt" is a relative path, and the server cannot know which directory it starts from .*give an absolute path/,
  ],
  [
    "a 50,000-combination sweep",
    sweep(HUGE_GRID),
    "BAD_REQUEST",
    /^sweep: 50 train\.lr x 50 train\.clip x 20 train\.batchSize x 1 seed: 50,000 runs is more than the 200 one request may queue/,
  ],
  [
    "setTags on a run that does not exist",
    (c) => c.run.setTags({ id: NO_RUN, tags: ["a"] }),
    "NOT_FOUND",
    /^no run with id 00000000-0000-4000-8000-000000000000; it may have been deleted \(reload the list\)$/,
  ],
  ["setNotes on a run that does not exist", (c) => c.run.setNotes({ id: NO_RUN, notes: "n" }), "NOT_FOUND", /^no run with id 00000000/],
  [
    "notes of 10,001 characters",
    (c) => c.run.setNotes({ id: NO_RUN, notes: "n".repeat(10_001) }),
    "BAD_REQUEST",
    /^notes: notes are at most 10000 characters: shorten them$/,
  ],
  [
    "a description of 2,001 characters",
    enqueue({ description: "d".repeat(2001) }),
    "BAD_REQUEST",
    /^description: at most 2000 characters: shorten the description$/,
  ],
  ["a 41-character tag", enqueue({ tags: ["t".repeat(41)] }), "BAD_REQUEST", /^tags\.0: a tag is at most 40 characters: shorten it$/],
];

const MORE_ROWS: Row[] = [
  // names, tags, attempts
  ["experiment of spaces", enqueue({ experiment: "   " }), "BAD_REQUEST", /^experiment: name the experiment$/],
  ["experiment of 201 characters", enqueue({ experiment: "e".repeat(201) }), "BAD_REQUEST", /^experiment: at most 200 characters: shorten the name$/],
  ["experiment a number", enqueue({ experiment: 7 }), "BAD_REQUEST", /^experiment: Invalid input: expected string, received number$/],
  ["21 tags", enqueue({ tags: values(21) }), "BAD_REQUEST", /^tags: at most 20 tags: drop some$/],
  ["an empty tag", enqueue({ tags: [""] }), "BAD_REQUEST", /^tags\.0: a tag cannot be empty: remove it$/],
  ["maxAttempts 11", enqueue({ maxAttempts: 11 }), "BAD_REQUEST", /^maxAttempts: Too big: expected number to be <=10$/],
  ['maxAttempts "3"', enqueue({ maxAttempts: "3" }), "BAD_REQUEST", /^maxAttempts: Invalid input: expected number, received string$/],
  [
    "several bad fields at once",
    enqueue({ experiment: "", maxAttempts: 0, tags: [""], description: 5 }),
    "BAD_REQUEST",
    /^experiment: name the experiment; description: .*; tags\.0: .* \(and 1 more\)$/,
  ],
  // the config's shape
  ["config a string", enqueue({ config: "lm" }), "BAD_REQUEST", /^config: Invalid input: expected record, received string$/],
  ["config an array", enqueue({ config: [] }), "BAD_REQUEST", /^config: Invalid input: expected record, received array$/],
  ["config null", enqueue({ config: null }), "BAD_REQUEST", /^config: Invalid input: expected record, received null$/],
  ["no data", enqueue({ config: { task: "lm" } }), "BAD_REQUEST", /^data: /],
  [
    "an unknown top-level key",
    config({ foo: 1 }),
    "BAD_REQUEST",
    /^config: unknown key foo\b.* Valid keys here: name, task, data, tokenizer, model, train, sample$/,
  ],
  [
    "a misspelt model key",
    config({ model: { hidenSize: 8 } }),
    "BAD_REQUEST",
    /^model: unknown key hidenSize; did you mean hiddenSize\? Valid keys here: cell, /,
  ],
  // every numeric field: zero, negative, fractional, not a number, too big
  ["hiddenSize 0", config({ model: { hiddenSize: 0 } }), "BAD_REQUEST", /^model\.hiddenSize: Too small: expected number to be >=1/],
  ["hiddenSize -1", config({ model: { hiddenSize: -1 } }), "BAD_REQUEST", /^model\.hiddenSize: Too small/],
  ["hiddenSize 1.5", config({ model: { hiddenSize: 1.5 } }), "BAD_REQUEST", /^model\.hiddenSize: expected int, received 1\.5/],
  ["hiddenSize NaN", config({ model: { hiddenSize: NaN } }), "BAD_REQUEST", /^model\.hiddenSize: expected number, received NaN/],
  ["hiddenSize Infinity", config({ model: { hiddenSize: Infinity } }), "BAD_REQUEST", /^model\.hiddenSize: /],
  ['hiddenSize "128"', config({ model: { hiddenSize: "128" } }), "BAD_REQUEST", /^model\.hiddenSize: expected number, received "128"/],
  ["embeddingSize 0", config({ model: { embeddingSize: 0, tied: false } }), "BAD_REQUEST", /^model\.embeddingSize: Too small/],
  [
    "embeddingSize 1e9",
    config({ model: { embeddingSize: 1e9, tied: false } }),
    "BAD_REQUEST",
    /^model\.embeddingSize: training needs about .*set model\.embeddingSize to at most/,
  ],
  ["layers 9", config({ model: { layers: 9 } }), "BAD_REQUEST", /^model\.layers: Too big: expected number to be <=8/],
  ["layers 0", config({ model: { layers: 0 } }), "BAD_REQUEST", /^model\.layers: Too small/],
  ["dropout 1", config({ model: { dropout: 1 } }), "BAD_REQUEST", /^model\.dropout: Too big: expected number to be <1/],
  ["dropout -0.5", config({ model: { dropout: -0.5 } }), "BAD_REQUEST", /^model\.dropout: Too small/],
  ["lr 0", config({ train: { lr: 0 } }), "BAD_REQUEST", /^train\.lr: Too small: expected number to be >0/],
  ["lr -1", config({ train: { lr: -1 } }), "BAD_REQUEST", /^train\.lr: Too small/],
  ["clip 0", config({ train: { clip: 0 } }), "BAD_REQUEST", /^train\.clip: Too small/],
  ["lrDecay 0.5", config({ train: { lrDecay: 0.5 } }), "BAD_REQUEST", /^train\.lrDecay: Too small: expected number to be >=1/],
  ["batchSize 0", config({ train: { batchSize: 0 } }), "BAD_REQUEST", /^train\.batchSize: Too small/],
  ["batchSize 1e7", config({ train: { batchSize: 1e7 } }), "BAD_REQUEST", /^train\.batchSize: training needs about .*set train\.batchSize to at most/],
  ["bptt 0", config({ train: { bptt: 0 } }), "BAD_REQUEST", /^train\.bptt: Too small/],
  ["epochs 0", config({ train: { epochs: 0 } }), "BAD_REQUEST", /^train\.epochs: Too small/],
  ["maxSteps -3", config({ train: { maxSteps: -3 } }), "BAD_REQUEST", /^train\.maxSteps: Too small/],
  ["seed -1", config({ train: { seed: -1 } }), "BAD_REQUEST", /^train\.seed: Too small: expected number to be >=0/],
  ["seed 1e20", config({ train: { seed: 1e20 } }), "BAD_REQUEST", /^train\.seed: /],
  ["evalEvery -1", config({ train: { evalEvery: -1 } }), "BAD_REQUEST", /^train\.evalEvery: Too small/],
  ["evalBatches 0", config({ train: { evalBatches: 0 } }), "BAD_REQUEST", /^train\.evalBatches: Too small/],
  ["sample temperature 0", config({ sample: { temperature: 0 } }), "BAD_REQUEST", /^sample\.temperature: Too small: expected number to be >0/],
  ["sample topP 1.5", config({ sample: { topP: 1.5 } }), "BAD_REQUEST", /^sample\.topP: Too big: expected number to be <=1/],
  ["sample topK 0", config({ sample: { topK: 0 } }), "BAD_REQUEST", /^sample\.topK: Too small/],
  ["sample maxLength 1e6", config({ sample: { maxLength: 1e6 } }), "BAD_REQUEST", /^sample\.maxLength: Too big: expected number to be <=10000/],
  ["21 prompts", config({ sample: { prompts: values(21) } }), "BAD_REQUEST", /^sample\.prompts: Too big: expected array to have <=20 items/],
  [
    "a 1,001-character prompt",
    config({ sample: { prompts: ["p".repeat(1001)] } }),
    "BAD_REQUEST",
    /^sample\.prompts\.0: Too big: expected string to have <=1000 characters/,
  ],
  ["prompts a string", config({ sample: { prompts: "hi" } }), "BAD_REQUEST", /^sample\.prompts: expected array, received "hi"/],
  ["minFrequency 0", config({ tokenizer: { minFrequency: 0 } }), "BAD_REQUEST", /^tokenizer\.minFrequency: Too small/],
  ["maxVocab 4", config({ tokenizer: { maxVocab: 4 } }), "BAD_REQUEST", /^tokenizer\.maxVocab: Too small: expected number to be >=5/],
  // enums and types
  [
    "cell transformer",
    config({ model: { cell: "transformer" } }),
    "BAD_REQUEST",
    /^model\.cell: expected one of "elman", "lstm", "gru", received "transformer"/,
  ],
  ["task translation", config({ task: "translation" }), "BAD_REQUEST", /^task: expected one of "lm", "tagger", "classifier", received "translation"/],
  ["optimizer rmsprop", config({ train: { optimizer: "rmsprop" } }), "BAD_REQUEST", /^train\.optimizer: expected one of "sgd", "adam", received "rmsprop"/],
  ["tokenizer kind byte", config({ tokenizer: { kind: "byte" } }), "BAD_REQUEST", /^tokenizer\.kind: expected one of "char", "word", received "byte"/],
  [
    "corpus nope",
    config({ data: { corpus: "nope" } }),
    "BAD_REQUEST",
    /^data\.corpus: expected one of "tiny-shakespeare", .*received "nope" \(data is either \{ corpus \} or \{ format, train, valid\?, test\? \}\)/,
  ],
  ["format csv", files({ format: "csv", train: "/x" }), "BAD_REQUEST", /^data\.format: expected one of "text", .*received "csv"/],
  ['bidirectional "yes"', config({ model: { bidirectional: "yes" } }), "BAD_REQUEST", /^model\.bidirectional: expected boolean, received "yes"/],
  [
    "tied with different sizes",
    config({ model: { embeddingSize: 16, hiddenSize: 32, tied: true } }),
    "BAD_REQUEST",
    /^model\.tied: weight tying needs embeddingSize = hiddenSize, got 16 and 32: set model\.embeddingSize=32/,
  ],
  [
    "a corpus for another task",
    config({ data: { corpus: "sst2" } }),
    "BAD_REQUEST",
    /^data\.corpus: corpus sst2 is for a classifier, but task is lm: set task=classifier/,
  ],
  // data files
  ["an empty train path", files({ train: "" }), "BAD_REQUEST", /^data\.train: Too small: expected string to have >=1 characters/],
  ["a 5,000-character train path", files({ train: `/${"p".repeat(5000)}` }), "BAD_REQUEST", /^data\.train: Too big: expected string to have <=4096 characters/],
  [
    "/dev/null as train (outside the data roots)",
    files({ train: "/dev/null" }),
    "BAD_REQUEST",
    /^data\.train: with the base config: "\/dev\/null" is not a file this server may read: runs launched here read data only under /,
  ],
  [
    "a directory as valid",
    files({ train: join(dir, "corpus", "train.txt"), valid: join(dir, "corpus") }),
    "BAD_REQUEST",
    /^data\.valid: .*is a directory, not a file/,
  ],
  ["a missing test file", files({ train: join(dir, "corpus", "train.txt"), test: join(dir, "nope.txt") }), "BAD_REQUEST", /^data\.test: .*no file at/],
  // sweeps
  [
    "a sweep naming a key twice",
    sweep([
      { key: "model.cell", values: ["lstm"] },
      { key: "model.cell", values: ["gru"] },
    ]),
    "BAD_REQUEST",
    /^sweep\.grid: model\.cell appears twice in the grid; merge its values into one axis/,
  ],
  [
    "a sweep value given twice",
    sweep([{ key: "model.cell", values: ["lstm", "lstm"] }]),
    "BAD_REQUEST",
    /^sweep\.grid\.0\.values: lstm is given twice for model\.cell; give each value once/,
  ],
  [
    "a train.seed axis with 2 seeds",
    sweep([{ key: "train.seed", values: ["1", "2"] }], 2),
    "BAD_REQUEST",
    /^sweep\.grid\.0\.key: train\.seed is swept by the seeds count \(2\) already: list the seeds as a train\.seed axis with 1 seed, or give the count, not both/,
  ],
  [
    "a sweep axis with no values",
    sweep([{ key: "model.cell", values: [] }]),
    "BAD_REQUEST",
    /^sweep\.grid\.0\.values: give at least one value for model\.cell/,
  ],
  [
    "a sweep over a misspelt key",
    sweep([{ key: "model.cel", values: ["gru"] }]),
    "BAD_REQUEST",
    /^model\.cel: with model\.cel=gru: unknown key model\.cel; did you mean model\.cell\?/,
  ],
  [
    "a sweep over a section",
    sweep([{ key: "model", values: ["lstm"] }]),
    "BAD_REQUEST",
    /^model: with model=lstm: model is a section, not a field: name one of its fields/,
  ],
  [
    "a sweep with a bad value",
    sweep([{ key: "model.cell", values: ["lstm", "transformer"] }]),
    "BAD_REQUEST",
    /^model\.cell: with model\.cell=transformer: expected one of "elman", "lstm", "gru"/,
  ],
  [
    "a sweep too big to train",
    sweep([{ key: "model.hiddenSize", values: ["16", "2000000"] }]),
    "BAD_REQUEST",
    /^model\.tied: with model\.hiddenSize=2000000: weight tying needs/,
  ],
  [
    "11 values x 20 seeds",
    sweep([{ key: "train.lr", values: values(11, (i) => String((i + 1) / 100)) }], 20),
    "BAD_REQUEST",
    /^sweep: 11 train\.lr x 20 seeds: 220 runs is more than the 200 one request may queue/,
  ],
  ["seeds 0", sweep([], 0), "BAD_REQUEST", /^sweep\.seeds: Too small: expected number to be >=1/],
  ["seeds 2.5", sweep([], 2.5), "BAD_REQUEST", /^sweep\.seeds: Invalid input: expected int/],
  ["seeds 21", sweep([], 21), "BAD_REQUEST", /^sweep\.seeds: Too big: expected number to be <=20/],
  [
    "9 sweep axes",
    sweep(values(9, (i) => `model.x${i}`).map((key) => ({ key, values: ["1"] }))),
    "BAD_REQUEST",
    /^sweep\.grid: Too big: expected array to have <=8 items/,
  ],
  [
    "a 201-character sweep value",
    sweep([{ key: "name", values: ["v".repeat(201)] }]),
    "BAD_REQUEST",
    /^sweep\.grid\.0\.values\.0: Too big: expected string to have <=200 characters/,
  ],
  // ids that are not ids, runs and experiments that do not exist
  ["run.get with an empty id", (c) => c.run.get({ id: "" }), "BAD_REQUEST", /^id: give an id \(see run\.list\)$/],
  ["run.get with a 101-character id", (c) => c.run.get({ id: "i".repeat(101) }), "BAD_REQUEST", /^id: an id is at most 100 characters: this is not one$/],
  ["run.get with an id that is no uuid", (c) => c.run.get({ id: "../../etc" }), "NOT_FOUND", /^no run with id \.\.\/\.\.\/etc; it may have been deleted/],
  ["run.get with no such run", (c) => c.run.get({ id: NO_RUN }), "NOT_FOUND", /^no run with id 00000000/],
  ["run.cancel with no such run", (c) => c.run.cancel({ id: NO_RUN }), "NOT_FOUND", /^no run with id/],
  ["run.delete of nothing", (c) => c.run.delete({ ids: [] }), "BAD_REQUEST", /^ids: Too small: expected array to have >=1 items$/],
  ["run.delete of no such run", (c) => c.run.delete({ ids: [NO_RUN] }), "NOT_FOUND", /^no run with id/],
  ["run.setTags with 21 tags", (c) => c.run.setTags({ id: NO_RUN, tags: values(21) }), "BAD_REQUEST", /^tags: at most 20 tags: drop some$/],
  ["run.list with limit 0", (c) => c.run.list({ limit: 0 }), "BAD_REQUEST", /^limit: Too small: expected number to be >=1$/],
  ["run.list with status BOGUS", (c) => c.run.list({ status: ["BOGUS"] } as never), "BAD_REQUEST", /^status\.0: Invalid option: expected one of "QUEUED"/],
  ["run.list with a 201-character query", (c) => c.run.list({ q: "q".repeat(201) }), "BAD_REQUEST", /^q: Too big: expected string to have <=200 characters$/],
  ["run.samples with limit 0", (c) => c.run.samples({ id: NO_RUN, limit: 0 }), "BAD_REQUEST", /^limit: Too small/],
  ["compare of no runs", (c) => c.compare.runs({ ids: [] }), "BAD_REQUEST", /^ids: give at least one run id$/],
  ["compare with no such run", (c) => c.compare.runs({ ids: [NO_RUN] }), "NOT_FOUND", /^no run with id/],
  ["experiment.delete with no such experiment", (c) => c.experiment.delete({ id: "nope" }), "NOT_FOUND", /^no experiment with id nope/],
  ["tying.summary with no such experiment", (c) => c.tying.summary({ experimentId: "nope" }), "NOT_FOUND", /^no experiment with id nope/],
  ["tying.launch with no experiment name", (c) => c.tying.launch({ experiment: "", config: TINY_LM }), "BAD_REQUEST", /^experiment: name the experiment$/],
  [
    "tying.launch too big to train",
    (c) => c.tying.launch({ experiment: "t", config: lm({ model: { hiddenSize: 1_000_000, embeddingSize: 1_000_000 } }) }),
    "BAD_REQUEST",
    /^model\.hiddenSize: training needs about/,
  ],
  ["tying.launch with seeds 0", (c) => c.tying.launch({ experiment: "t", config: TINY_LM, seeds: 0 }), "BAD_REQUEST", /^seeds: Too small/],
  ["generate from no such run", (c) => c.playground.generate({ runId: NO_RUN }), "NOT_FOUND", /^no run with id/],
  [
    "generate at temperature 0",
    (c) => c.playground.generate({ runId: NO_RUN, temperature: 0 }),
    "BAD_REQUEST",
    /^temperature: Too small: expected number to be >=0\.01$/,
  ],
  ["generate 0 tokens", (c) => c.playground.generate({ runId: NO_RUN, maxLength: 0 }), "BAD_REQUEST", /^maxLength: Too small/],
  ["generate 11 samples", (c) => c.playground.generate({ runId: NO_RUN, n: 11 }), "BAD_REQUEST", /^n: Too big: expected number to be <=10$/],
  ["score an empty text", (c) => c.playground.score({ runId: NO_RUN, text: "" }), "BAD_REQUEST", /^text: Too small: expected string to have >=1 characters$/],
  ["tag a 5,001-character text", (c) => c.playground.tag({ runId: NO_RUN, text: "t".repeat(5001) }), "BAD_REQUEST", /^text: Too big/],
  [
    "checkpoint kind middle",
    (c) => c.playground.classify({ runId: NO_RUN, text: "a", kind: "MIDDLE" } as never),
    "BAD_REQUEST",
    /^kind: Invalid option: expected one of "BEST"\|"LAST"$/,
  ],
  ["series of no runs", (c) => c.metrics.series({ runIds: [], keys: ["train/loss"] }), "BAD_REQUEST", /^runIds: give at least one run id$/],
  [
    "series with maxPoints 1",
    (c) => c.metrics.series({ runIds: [NO_RUN], keys: ["train/loss"], maxPoints: 1 }),
    "BAD_REQUEST",
    /^maxPoints: Too small: expected number to be >=2$/,
  ],
];

describe.each(await testTargets())("the api refuses bad input on %s", (target) => {
  let api: Api;
  let existing: string;
  beforeAll(async () => {
    api = await openApi(target);
    existing = await seedRun(api.t.db, { status: "COMPLETED", experiment: "kept" });
  });
  afterAll(() => api?.close());

  const counts = async () => {
    const { rows } = await api.t.db.pool.query<{ runs: number; experiments: number }>(
      `SELECT (SELECT count(*)::int FROM "Run") AS runs, (SELECT count(*)::int FROM "Experiment") AS experiments`,
    );
    return rows[0]!;
  };
  const http = (req: Request) =>
    handleTrpcRequest(req, { endpoint: "/api/trpc", createContext: () => createTRPCContext({ db: api.t.db, inference: api.inference }) });
  const post = (path: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    http(
      new Request(`http://localhost/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit),
    );

  const rows = [...ISSUE_ROWS, ...MORE_ROWS];
  it(`has the ${ISSUE_ROWS.length} listed cases and ${MORE_ROWS.length} more`, () => {
    expect(MORE_ROWS.length).toBeGreaterThanOrEqual(30);
  });

  it("answers each row with its 4xx code and a one-line message saying what to fix; creates nothing", async () => {
    const before = await counts();
    const failures: string[] = [];
    for (const [name, call, code, message] of rows) {
      const error = await call(api.caller).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(error instanceof TRPCError)) failures.push(`${name}: ${error === undefined ? "accepted" : `threw ${String(error)}`}`);
      else if (error.code !== code) failures.push(`${name}: ${error.code}, expected ${code}: ${error.message.slice(0, 400)}`);
      else if (!message.test(error.message)) failures.push(`${name}: message does not match ${message}: ${error.message.slice(0, 400)}`);
      else if (/\n|prisma|invalid_type|"code":/i.test(error.message)) failures.push(`${name}: not a one-line message: ${error.message.slice(0, 400)}`);
    }
    expect(failures, `${failures.length} of ${rows.length} rows failed:\n${failures.join("\n")}`).toEqual([]);
    expect(await counts()).toEqual(before);
  }, 60_000);

  it("refuses a 50,000-combination sweep before building it, in enqueue and validate", async () => {
    const grid = HUGE_GRID;
    let started = performance.now();
    await expect(api.caller.launch.enqueue({ experiment: "big", config: TINY_LM, sweep: { grid, seeds: 1 } })).rejects.toThrow(
      /50,000 runs is more than the 200/,
    );
    const enqueueMs = performance.now() - started;
    started = performance.now();
    const checked = await api.caller.launch.validate({ config: TINY_LM, sweep: { grid, seeds: 1 } });
    const validateMs = performance.now() - started;
    expect(checked).toMatchObject({ ok: false, issues: [{ path: "sweep", message: expect.stringMatching(/50,000 runs/) }] });
    console.log(`50,000-combination sweep refused in ${enqueueMs.toFixed(0)} ms (enqueue), ${validateMs.toFixed(0)} ms (validate)`);
    expect(enqueueMs).toBeLessThan(500);
    expect(validateMs).toBeLessThan(500);
  });

  it("validate names a run name that is too long, as enqueue would", async () => {
    const checked = await api.caller.launch.validate({ config: lm({ name: "n".repeat(300) }) });
    expect(checked).toMatchObject({ ok: false, issues: [{ path: "name", message: expect.stringMatching(/the run name is 300 characters long/) }] });
  });

  it("over HTTP: 413 for a body over 1 MiB (declared or streamed), 400 and 404 with one-line messages; creates nothing", async () => {
    const before = await counts();
    const hundredMb = JSON.stringify({ experiment: "big", config: { ...TINY_LM, name: "n".repeat(100 * 2 ** 20) } });
    const big = await post("launch.enqueue", hundredMb, { "content-length": String(Buffer.byteLength(hundredMb)) }); // as a client sends it
    expect(big.status).toBe(413);
    const bigBody = (await big.json()) as { error: { message: string; data: { code: string } } };
    expect(bigBody.error.data.code).toBe("PAYLOAD_TOO_LARGE");
    expect(bigBody.error.message).toMatch(/^the request body is 104,857,[\d,]+ bytes, over the 1 MiB this server accepts: send less/);

    const oneMbName = await post("launch.enqueue", JSON.stringify({ experiment: "big", config: { ...TINY_LM, name: "n".repeat(2 ** 20) } }));
    expect(oneMbName.status).toBe(413);

    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40)
          controller.enqueue(chunk); // 2.5 MiB, no content-length
        else controller.close();
      },
    });
    const streamed = await post("launch.enqueue", stream);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { message: string } }).error.message).toMatch(/more than 1,048,576 bytes, over the 1 MiB/);

    const batched = await http(
      new Request(`http://localhost/api/trpc/launch.enqueue,run.setNotes?batch=1`, {
        method: "POST",
        headers: { "content-length": String(5 * 2 ** 20) },
        body: "x".repeat(5 * 2 ** 20),
      }),
    );
    expect(batched.status).toBe(413);
    expect(((await batched.json()) as unknown[]).length).toBe(2);

    const invalid = await post("launch.enqueue", JSON.stringify({ experiment: "", config: TINY_LM, maxAttempts: 0 }));
    expect(invalid.status).toBe(400);
    const invalidBody = (await invalid.json()) as { error: { message: string; data: { issues: { path: string }[] } } };
    expect(invalidBody.error.message).toBe("experiment: name the experiment; maxAttempts: Too small: expected number to be >=1");
    expect(invalidBody.error.data.issues.map((i) => i.path)).toEqual(["experiment", "maxAttempts"]);

    const deepBody = await post("launch.enqueue", `{"experiment":"deep","config":${DEEP}}`); // 200 KB
    expect(deepBody.status).toBe(400);
    expect(((await deepBody.json()) as { error: { message: string } }).error.message).toMatch(/^model: the config nests more than 8 levels deep/);

    const notJson = await post("launch.enqueue", '{"experiment": "x",');
    expect(notJson.status).toBe(400);

    const missing = await post("run.setTags", JSON.stringify({ id: NO_RUN, tags: ["a"] }));
    expect(missing.status).toBe(404);
    const missingBody = (await missing.json()) as { error: { message: string } };
    expect(missingBody.error.message).toBe(`no run with id ${NO_RUN}; it may have been deleted (reload the list)`);

    const get = await http(new Request(`http://localhost/api/trpc/run.get?input=${encodeURIComponent(JSON.stringify({ id: "i".repeat(101) }))}`));
    expect(get.status).toBe(400);
    expect(((await get.json()) as { error: { message: string } }).error.message).toBe("id: an id is at most 100 characters: this is not one");

    const unknown = await post("run.frobnicate", "{}");
    expect(unknown.status).toBe(404);

    const ok = await post("run.setNotes", JSON.stringify({ id: existing, notes: "fine" }));
    expect(ok.status, await ok.clone().text()).toBe(200); // a small body still goes through
    expect(await counts()).toEqual(before);
  }, 60_000);
});
