// diagnostics.tagReports: a tagger's latest validation report and its test report as stored (issue 18),
// and such reports alone do not put a run into the diagnostics overlay's list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "@unroll/db/testing";
import { DIAGNOSTIC_KINDS, type TagReportDoc } from "@unroll/domain";
import { openApi, seedRun, type Api } from "./fixtures.js";

const report = (correct: number, weightsStep?: number): TagReportDoc => ({
  decoding: "iob2",
  tokens: 10,
  tags: ["B-PER", "I-PER", "O"],
  confusion: [
    [correct, 0, 2 - correct],
    [0, 1, 0],
    [1, 0, 6],
  ],
  entities: {
    overall: { gold: 2, predicted: 2, correct, precision: correct / 2, recall: correct / 2, f1: correct / 2 },
    byType: { PER: { gold: 2, predicted: 2, correct, precision: correct / 2, recall: correct / 2, f1: correct / 2 } },
  },
  argmaxInvalid: 1,
  ...(weightsStep !== undefined ? { weightsStep } : {}),
});

describe.each(await testTargets())("diagnostics.tagReports on %s", (target) => {
  let api: Api;
  let tagger: string;
  let fresh: string;
  beforeAll(async () => {
    api = await openApi(target);
    tagger = await seedRun(api.t.db, { name: "ner" });
    fresh = await seedRun(api.t.db, { name: "fresh" });
    const insert = (kind: string, step: number, data: TagReportDoc) =>
      api.t.db.pool.query(`INSERT INTO "Diagnostic" ("runId", kind, step, data) VALUES ($1, $2, $3, $4::jsonb)`, [tagger, kind, step, JSON.stringify(data)]);
    await insert(DIAGNOSTIC_KINDS.tagReportValid, 100, report(0));
    await insert(DIAGNOSTIC_KINDS.tagReportValid, 200, report(1));
    await insert(DIAGNOSTIC_KINDS.tagReportTest, 200, report(2, 100));
  });
  afterAll(() => api?.close());

  it("gives the latest validation report and the test report, as stored", async () => {
    const r = await api.caller.diagnostics.tagReports({ runId: tagger });
    expect(r.valid).toEqual({ step: 200, report: report(1) });
    expect(r.test).toEqual({ step: 200, report: report(2, 100) });
    expect(await api.caller.diagnostics.tagReports({ runId: fresh })).toEqual({ valid: null, test: null });
  });

  it("a run with reports only is not offered in the overlay (it has no gradient or loss lines)", async () => {
    expect((await api.caller.diagnostics.runs()).map((x) => x.id)).not.toContain(tagger);
  });
});
