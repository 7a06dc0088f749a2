// A tagger's reports (issue 18) as `unroll show` gives them: per-type entity P/R/F1 (NER) and the tag
// confusion (rows gold, columns predicted), for the test split (best weights) and the latest validation.
import { latestDiagnostics, type Queryable } from "@unroll/db";
import { DIAGNOSTIC_KINDS, tagRecall, topConfusions, type TagReportDoc } from "@unroll/domain";
import { formatNumber, formatTable } from "../table.js";

export interface TagReports {
  valid?: TagReportDoc & { step: number };
  test?: TagReportDoc & { step: number };
}

/** The latest report of each split (none for a run that is not a tagger or has not validated yet). */
export async function tagReports(pool: Queryable, runId: string): Promise<TagReports | null> {
  const latest = await latestDiagnostics(pool, runId);
  const at = (kind: string) => {
    const row = latest.get(kind);
    return row ? { ...(row.data as TagReportDoc), step: row.step } : undefined;
  };
  const valid = at(DIAGNOSTIC_KINDS.tagReportValid);
  const test = at(DIAGNOSTIC_KINDS.tagReportTest);
  return valid || test ? { ...(valid ? { valid } : {}), ...(test ? { test } : {}) } : null;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Text for the terminal: the per-type table, the confusion and its largest off-diagonal cells. */
export function formatTagReport(split: "valid" | "test", r: TagReportDoc & { step: number }): string {
  const weights = r.weightsStep !== undefined ? `, weights of step ${r.weightsStep} (best validation)` : "";
  const decoding = r.decoding === "iob2" ? `constrained IOB2 decoding (argmax had ${r.argmaxInvalid ?? 0} invalid I-)` : "argmax";
  const out = [`${split} at step ${r.step}${weights}: ${formatNumber(r.tokens)} tokens, ${decoding}`];
  if (r.entities) {
    const row = (name: string, s: NonNullable<TagReportDoc["entities"]>["overall"]) => [
      name,
      s.gold,
      s.predicted,
      s.correct,
      pct(s.precision),
      pct(s.recall),
      pct(s.f1),
    ];
    out.push(
      formatTable(
        ["entity type", "gold", "predicted", "correct", "precision", "recall", "F1"],
        [...Object.entries(r.entities.byType).map(([type, s]) => row(type, s)), row("all", r.entities.overall)],
      ),
    );
  }
  const recall = tagRecall(r);
  out.push(
    "confusion (rows gold, columns predicted):",
    formatTable(
      ["gold \\ predicted", ...r.tags, "recall"],
      r.confusion.map((counts, g) => [r.tags[g] ?? "?", ...counts, pct(recall[r.tags[g] ?? ""] ?? 0)]),
    ),
  );
  const top = topConfusions(r, 5);
  if (top.length) out.push(`largest confusions: ${top.map((c) => `${c.gold} as ${c.predicted} ${formatNumber(c.count)} (${pct(c.share)})`).join(", ")}`);
  return out.join("\n");
}
