// A tagger's reports (issue 18) as the runner stores them and `unroll show` gives them: per-type
// entity scores and the tag confusion of the latest validation and of the test (best weights), as
// tagReport Diagnostic rows; per-type series (test/f1/PER) and summary keys (test_f1/PER).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testTargets, type TestDatabase } from "@unroll/db/testing";
import { DIAGNOSTIC_KINDS, type TagReportDoc } from "@unroll/domain";
import { CORE_TEST_FIXTURES } from "@unroll/layout";
import { SPOOL_DIR } from "./fixtures.js";
import { runUnroll } from "./unroll-process.js";

const [target] = await testTargets();
const dir = mkdtempSync(join(tmpdir(), "unroll-tag-reports-"));
const excerpt = join(CORE_TEST_FIXTURES, "uner-excerpt.iob2");
const config = join(dir, "ner.json");
writeFileSync(
  config,
  JSON.stringify({
    task: "tagger",
    data: { format: "iob2", train: excerpt, valid: excerpt, test: excerpt },
    model: { bidirectional: true, hiddenSize: 8, embeddingSize: 8 },
    train: { maxSteps: 2, batchSize: 1, evalEvery: 1, checkpointEvery: 0 },
  }),
);

describe(`tag reports on ${target}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target!);
  }, 120_000);
  afterAll(() => t?.close());
  const unroll = (...args: string[]) => runUnroll(args, { DATABASE_URL: t.url, UNROLL_BACKEND: "cpu", UNROLL_HOME: join(SPOOL_DIR, "tag-reports-home") });

  it("stores the validation's and the test's report, per-type series and summary keys; show gives them as tables and JSON", async () => {
    const tr = await unroll("train", config, "--json", "--experiment", "ner-reports");
    expect(tr.code, tr.stderr).toBe(0);
    const { runId } = JSON.parse(tr.stdout.trim().split("\n").pop()!) as { runId: string };

    const { rows } = await t.db.pool.query<{ kind: string; step: number; data: TagReportDoc }>(
      `SELECT kind, step, data FROM "Diagnostic" WHERE "runId" = $1 AND kind LIKE 'tagReport/%' ORDER BY kind, step`,
      [runId],
    );
    expect(rows.map((r) => [r.kind, r.step])).toEqual([
      [DIAGNOSTIC_KINDS.tagReportTest, 2],
      [DIAGNOSTIC_KINDS.tagReportValid, 1],
      [DIAGNOSTIC_KINDS.tagReportValid, 2],
    ]);
    const test = rows[0]!.data;
    expect(test.decoding).toBe("iob2");
    expect(test.tags).toEqual(["B-LOC", "B-ORG", "B-PER", "I-LOC", "I-ORG", "I-PER", "O"]);
    expect(test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(test.tokens);
    expect(test.tokens).toBe(55); // every token of the excerpt's two sentences (24 + 31)
    expect(test.entities?.overall.gold).toBe(3); // tampa bay, Sungjoo Lee, Georgia Institute ... Engineering
    expect(Object.keys(test.entities?.byType ?? {}).sort()).toEqual(expect.arrayContaining(["LOC", "ORG", "PER"]));
    expect(typeof test.weightsStep).toBe("number");

    const { rows: series } = await t.db.pool.query<{ key: string }>(`SELECT key FROM "MetricSeries" WHERE "runId" = $1 AND key LIKE '%/PER' ORDER BY key`, [
      runId,
    ]);
    expect(series.map((s) => s.key)).toEqual([
      "test/f1/PER",
      "test/precision/PER",
      "test/recall/PER",
      "valid/f1/PER",
      "valid/precision/PER",
      "valid/recall/PER",
    ]);
    const { rows: runRows } = await t.db.pool.query<{ summary: Record<string, number> }>(`SELECT summary FROM "Run" WHERE id = $1`, [runId]);
    expect(runRows[0]!.summary["test_f1/PER"]).toBe(test.entities?.byType.PER?.f1);

    const json = await unroll("show", runId, "--json");
    expect(json.code, json.stderr).toBe(0);
    const shown = JSON.parse(json.stdout) as { tagReports: { valid: TagReportDoc & { step: number }; test: TagReportDoc & { step: number } } };
    expect(shown.tagReports.valid.step).toBe(2);
    expect(shown.tagReports.test).toMatchObject({ step: 2, confusion: test.confusion, entities: test.entities });

    const text = await unroll("show", runId);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/test at step 2, weights of step \d \(best validation\): 55 tokens, constrained IOB2 decoding/);
    expect(text.stdout).toMatch(/entity type +gold +predicted +correct +precision +recall +F1/);
    expect(text.stdout).toMatch(/\nPER +1 +\d+ +\d+ /);
    expect(text.stdout).toMatch(/gold \\ predicted +B-LOC +B-ORG +B-PER +I-LOC +I-ORG +I-PER +O +recall/);
    expect(text.stdout).toMatch(/valid at step 2: 55 tokens/);
  }, 180_000);
});
