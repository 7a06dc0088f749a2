// The `unroll` CLI as a user runs it: a real process, stdout/stderr and exit codes, against a
// fresh database (the first available target; the queue itself is tested on both).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { CORE_TEST_FIXTURES } from "@unroll/layout";
import { CORPUS, SPOOL_DIR } from "./fixtures.js";
import { runUnroll, type UnrollResult } from "./unroll-process.js";

const [target] = await testTargets();
const dir = mkdtempSync(join(tmpdir(), "unroll-cli-"));
const config = join(dir, "tiny.json");
writeFileSync(
  config,
  JSON.stringify({
    name: "cli-tiny",
    task: "lm",
    data: { format: "chars", train: CORPUS },
    model: { cell: "lstm", embeddingSize: 8, hiddenSize: 8 },
    train: { batchSize: 4, bptt: 8, maxSteps: 6, evalEvery: 3, sampleEvery: 3, checkpointEvery: 3, evalBatches: 1 },
    sample: { maxLength: 10, prompts: ["the"] },
  }),
);
writeFileSync(
  join(dir, "tiny.yaml"),
  `task: lm\ndata:\n  format: chars\n  train: ${CORPUS}\nmodel:\n  cell: gru\n  hiddenSize: 8\n  embeddingSize: 8\ntrain:\n  maxSteps: 2\n  batchSize: 2\n  bptt: 4\n  evalBatches: 1\n`,
);
writeFileSync(join(dir, "bad.json"), JSON.stringify({ task: "lm", data: { corpus: "tiny-shakespeare" }, model: { bidirectional: true } }));

describe(`unroll CLI on ${target}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target!);
  }, 120_000);
  afterAll(() => t?.close());

  function unroll(...args: string[]): Promise<UnrollResult> {
    return unrollWith({}, ...args);
  }
  function unrollWith(env: Record<string, string>, ...args: string[]): Promise<UnrollResult> {
    return runUnroll(args, { DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: join(SPOOL_DIR, "cli-home"), ...env });
  }
  const runCount = async () => (await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Run"`)).rows[0]!.n;

  it("refuses bad input with a clear message and creates nothing", async () => {
    const cases: [string[], RegExp][] = [
      [["enqueue", join(dir, "bad.json")], /bidirectional/],
      [["enqueue", config, "--set", "train.nope=1"], /unknown key train\.nope/],
      [["enqueue", config, "--sweep", "model.cell=lstm,banana"], /model\.cell/],
      [["enqueue", join(dir, "missing.json")], /missing\.json: no such file/],
      [["train", config, "--set", "train.lr=-1"], /train\.lr/],
      [["frobnicate"], /unknown command "frobnicate"/],
      [["runs", "--bogus"], /bogus/],
    ];
    for (const [args, message] of cases) {
      const r = await unroll(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    expect(await runCount()).toBe(0);
  }, 120_000);

  it("finds a shared/data folder above the current directory when UNROLL_DATA_DIR is unset, as `unroll up` does", async () => {
    const project = mkdtempSync(join(tmpdir(), "unroll-cli-datadir-"));
    const sst2 = join(project, "shared", "data", "sst2");
    mkdirSync(sst2, { recursive: true });
    const rows = "a fine film\t1\nan awful bore\t0\nsharp and warm\t1\ndull\t0\n";
    for (const f of ["train.tsv", "dev.tsv", "test.tsv"]) writeFileSync(join(sst2, f), rows);
    const work = join(project, "repo", "examples");
    mkdirSync(work, { recursive: true });
    const named = join(work, "sst2.json");
    writeFileSync(named, JSON.stringify({ name: "datadir-sst2", task: "classifier", data: { corpus: "sst2" }, model: { hiddenSize: 4, embeddingSize: 4 } }));
    const env = { DATABASE_URL: t.url, UNROLL_DATA_DIR: "", UNROLL_BACKEND: "cpu", UNROLL_HOME: join(SPOOL_DIR, "cli-home") };
    for (const args of [
      ["enqueue", named, "--experiment", "datadir"],
      ["train", named, "--set", "train.maxSteps=1", "--experiment", "datadir", "--json"],
    ]) {
      const r = await runUnroll(args, env, work);
      expect(r.stderr, args[0]).not.toMatch(/none was given/);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0);
    }
    const runs = await t.db.pool.query<{ status: string }>(
      `SELECT r.status FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId" WHERE e.name = 'datadir'`,
    );
    expect(runs.rows.map((r) => r.status).sort()).toEqual(["COMPLETED", "QUEUED"]);
    // the queued one is not for the sweep test's `worker --once` to drain
    await t.db.pool.query(`DELETE FROM "Run" WHERE status = 'QUEUED' AND "experimentId" IN (SELECT id FROM "Experiment" WHERE name = 'datadir')`);
  });

  it("says plainly when training takes the slow path (no OpenBLAS), on the terminal and in the run's device", async () => {
    const r = await unrollWith(
      { UNROLL_BACKEND: "wasm", UNROLL_NATIVE_BLAS: "0" },
      "train",
      config,
      "--json",
      "--experiment",
      "slow-path",
      "--set",
      "train.maxSteps=1",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/!! slow path: no OpenBLAS \(the addon is turned off by UNROLL_NATIVE_BLAS=0\)\. .*Fix: unset UNROLL_NATIVE_BLAS/);
    const { runId } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { runId: string };
    const { rows } = await t.db.pool.query<{ device: string; worker: string }>(
      `SELECT r.device, w.status AS worker FROM "Run" r JOIN "Worker" w ON w.id = r."workerId" WHERE r.id = $1`,
      [runId],
    );
    expect(rows[0]?.device).toMatch(/^CPU \(WebAssembly, .*; slow path: no OpenBLAS\)$/);
    expect(rows[0]?.worker).toBe("STOPPED"); // `unroll train` keeps its Worker row: not left IDLE to be called LOST
  }, 120_000);

  it("says in one line, not a stack trace, when the database does not answer", async () => {
    const r = await unrollWith({ DATABASE_URL: "postgresql://postgres@127.0.0.1:9/none" }, "runs");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^unroll: the database does not answer \(ECONNREFUSED\)\. If it is the embedded one, .*try again in a few seconds/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("trains with --json, then samples, scores, exports and shows the run", async () => {
    const r = await unroll("train", config, "--json", "--experiment", "cli");
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(summary).toMatchObject({ status: "COMPLETED", backend: "cpu", steps: 6 });
    expect(summary.params).toBeGreaterThan(0);
    expect(summary.metrics.valid_perplexity).toBeGreaterThan(1);
    const id: string = summary.runId;

    const a = await unroll("sample", id.slice(0, 10), "--n", "2", "--seed", "3", "--prompt", "the", "--json");
    const b = await unroll("sample", id, "--n", "2", "--seed", "3", "--prompt", "the", "--json");
    expect(a.code, a.stderr).toBe(0);
    const samples = JSON.parse(a.stdout).samples as string[];
    expect(samples).toHaveLength(2);
    expect(samples.every((s) => s.startsWith("the"))).toBe(true);
    expect(JSON.parse(b.stdout).samples).toEqual(samples); // same seed, same text

    // --greedy is in the help, and asking for greedy and a sampling knob at once is bad input
    expect((await unroll("--help")).stdout).toMatch(/unroll sample .*--greedy/);
    const greedy = await unroll("sample", id, "--greedy", "--prompt", "the", "--json");
    expect(greedy.code, greedy.stderr).toBe(0);
    expect(JSON.parse(greedy.stdout).options).toMatchObject({ greedy: true });
    for (const [flags, named] of [
      [["--temperature", "0.5"], "--temperature"],
      [["--top-k", "3", "--top-p", "0.9"], "--top-k and --top-p"],
    ] as const) {
      const both = await unroll("sample", id, "--greedy", ...flags);
      expect(both.code, flags.join(" ")).toBe(2);
      expect(both.stderr).toContain(`--greedy always takes the most likely token, so ${named} would change nothing`);
    }

    const score = await unroll("score", id, "the fox", "--json");
    expect(score.code, score.stderr).toBe(0);
    const s = JSON.parse(score.stdout);
    expect(s.tokens.length).toBeGreaterThanOrEqual(7);
    expect(s.logProb).toBeCloseTo(
      s.tokens.reduce((acc: number, x: { logProb: number }) => acc + x.logProb, 0),
      4,
    );

    const out = join(dir, "export");
    const ex = await unroll("export", id, "--out", out);
    expect(ex.code, ex.stderr).toBe(0);
    for (const f of ["config.json", "vocab.json", "model.safetensors"]) expect(existsSync(join(out, f))).toBe(true);
    expect(ex.stdout).toMatch(/\(best checkpoint, step \d+\)/); // export takes the best checkpoint by default...
    const last = await unroll("export", id, "--out", join(dir, "export-last"), "--checkpoint", "last", "--json");
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ checkpoint: "last", step: 6 }); // ...and the last when asked

    // a new run starts from the exported weights or from the tracked run itself, and says what came over
    for (const init of [join(out, "model.safetensors"), `run:${id.slice(0, 10)}`]) {
      const warm = await unroll("train", config, "--set", `model.init=${init}`, "--set", "train.maxSteps=1", "--json");
      expect(warm.code, warm.stderr).toBe(0);
      expect(warm.stderr).toContain(`unroll: init: from ${init} (lm, step 6): `);
      expect(warm.stderr).toMatch(/, 4 recurrent tensors; the output layer starts fresh/);
      // ...and so does the run afterwards (`unroll show`, and the run page from the same document)
      const shown = await unroll("show", JSON.parse(warm.stdout.trim().split("\n").pop()!).runId);
      expect(shown.stdout).toContain(`  started with: init: from ${init} (lm, step 6): `);
    }
    const missing = await unroll("train", config, "--set", `model.init=${join(dir, "none.safetensors")}`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model\.init: no file at .*none\.safetensors: fix the path/);
    // a run:ID that names no run is refused at submit, by train and by enqueue, and nothing is queued
    const runsBefore = JSON.parse((await unroll("runs", "--json")).stdout).length;
    for (const command of ["train", "enqueue"]) {
      const lost = await unroll(command, config, "--set", "model.init=run:ffffffffffff");
      expect(lost.code, lost.stderr).toBe(2);
      expect(lost.stderr).toContain('model.init: no run matches "ffffffffffff" (see `unroll runs`)');
    }
    expect(JSON.parse((await unroll("runs", "--json")).stdout)).toHaveLength(runsBefore);

    // states over a text: the start token, then t-h-e; h, c and the LSTM's gates of 8 units each
    const st = await unroll("states", id, "the", "--top-k", "2");
    expect(st.code, st.stderr).toBe(0);
    const states = JSON.parse(st.stdout);
    expect(states.tokens.slice(1)).toEqual(["t", "h", "e"]);
    expect(states.traces.map((t: { name: string }) => t.name)).toEqual(["h", "c", "i", "f", "g", "o"]);
    expect(states.traces[0].values).toHaveLength(8);
    expect(states.traces[0].values[0]).toHaveLength(4);
    expect(states.next[3]).toHaveLength(2);

    const tag = await unroll("tag", id, "the fox");
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/lm run: it cannot tag/);

    const show = await unroll("show", id, "--json");
    const shown = JSON.parse(show.stdout);
    expect(shown.checkpoints.map((c: { kind: string }) => c.kind).sort()).toEqual(["BEST", "LAST"]);
    // the latest gradient norm through time: one number per BPTT position for h and c of the layer
    expect(shown.diagnostics).toMatchObject({ step: 6, positions: 8 });
    const rows = shown.diagnostics.gradNormByPosition as { layer: number; state: string; norms: number[]; initial: number }[];
    expect(rows.map((r) => `${r.layer}${r.state}:${r.norms.length}`)).toEqual(["0h:8", "0c:8"]);
    expect(rows.every((r) => r.norms.every((x) => x > 0) && r.initial > 0)).toBe(true);
    // stored per validation, one document each, losslessly (the CLI's numbers are the stored ones)
    const { rows: stored } = await t.db.pool.query<{ step: number; data: { rows: { norms: number[] }[] } }>(
      `SELECT step, data FROM "Diagnostic" WHERE "runId" = $1 AND kind = 'gradNorm' ORDER BY step`,
      [id],
    );
    expect(stored.map((d) => d.step)).toEqual([3, 6]);
    expect(stored[1]!.data.rows[0]!.norms).toEqual(rows[0]!.norms);
    expect(shown.diagnostics.lossByPosition).toMatchObject({ basis: "window" });
    expect(shown.diagnostics.lossByPosition.loss).toHaveLength(8);
    expect(shown.diagnostics.lossByPosition.count).toEqual(new Array(8).fill(10)); // evalBatches 1: one chunk of 10 columns
    const logs = await unroll("logs", id);
    expect(logs.stdout).toMatch(/train\/loss\s+6\s+6/);
    expect(logs.stdout).toMatch(/prompt "the"/);
  }, 180_000);

  it("trains a tagger and a classifier, then tags and classifies; db status answers", async () => {
    const fixtures = CORE_TEST_FIXTURES;
    const small = [
      "--set",
      "model.hiddenSize=8",
      "--set",
      "model.embeddingSize=8",
      "--set",
      "train.maxSteps=3",
      "--set",
      "train.batchSize=2",
      "--set",
      "train.evalEvery=0",
    ];
    const tagger = join(dir, "tagger.json");
    writeFileSync(
      tagger,
      JSON.stringify({ task: "tagger", data: { format: "conllu", train: join(fixtures, "ewt-excerpt.conllu") }, model: { bidirectional: true } }),
    );
    const tr = await unroll("train", tagger, ...small, "--json");
    expect(tr.code, tr.stderr).toBe(0);
    const tagged = await unroll("tag", JSON.parse(tr.stdout).runId, "the cat sat", "--json");
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(JSON.parse(tagged.stdout).map((t: { token: string }) => t.token)).toEqual(["the", "cat", "sat"]);

    const classifier = join(dir, "classifier.json");
    writeFileSync(
      classifier,
      JSON.stringify({ task: "classifier", data: { format: "tsv", train: join(fixtures, "sst2-excerpt.tsv") }, model: { pooling: "max" } }),
    );
    const cr = await unroll("train", classifier, ...small, "--json");
    expect(cr.code, cr.stderr).toBe(0);
    const c = await unroll("classify", JSON.parse(cr.stdout).runId, "a gorgeous film");
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^label: \S+/);
    expect(c.stdout).toMatch(/probability/);

    const st = await unroll("db", "status");
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/migrations: \d+ applied, 0 pending/);
  }, 180_000);

  it("enqueues a sweep, a worker drains it, compare shows the runs side by side", async () => {
    const q = await unroll("enqueue", config, "--sweep", "model.cell=lstm,gru", "--seeds", "2", "--experiment", "sweep", "--json");
    expect(q.code, q.stderr).toBe(0);
    const { runIds } = JSON.parse(q.stdout) as { runIds: string[] };
    expect(runIds).toHaveLength(4);
    const yaml = await unroll("enqueue", join(dir, "tiny.yaml"), "--experiment", "sweep");
    expect(yaml.code, yaml.stderr).toBe(0);

    const w = await unroll("worker", "--once", "--json");
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout).runs.map((r: { outcome: { status: string } }) => r.outcome.status)).toEqual(Array(5).fill("COMPLETED"));

    const runs = await unroll("runs", "--experiment", "sweep", "--json");
    expect(JSON.parse(runs.stdout).map((r: { status: string }) => r.status)).toEqual(Array(5).fill("COMPLETED"));
    const cmp = await unroll("compare", runIds[0]!, runIds[3]!);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/model\.cell\s+"lstm"\s+"gru"/);
    expect(cmp.stdout).toMatch(/train\.seed\s+42\s+43/);
    expect(cmp.stdout).toMatch(/valid_perplexity/);
  }, 180_000);
});
