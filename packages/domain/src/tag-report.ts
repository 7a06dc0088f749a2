// What a tagger's evaluation stores (issue 18): the document of a tagReport Diagnostic row, written
// by the runner from core's TaggingReport (the runner's assignment checks that the two agree), read
// by the api, `unroll show` and the run page; and what both sides derive from it.
import { ENTITY_TYPE_METRICS, entityTypeKey } from "./metric-keys.js";

export interface TypeScoresDoc {
  /** Entities in gold, in predictions, and predicted with exactly the gold type and span (conlleval). */
  gold: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface TagReportDoc {
  /** argmax, or the best valid IOB2 sequence (NER). */
  decoding: "argmax" | "iob2";
  tokens: number;
  /** Rows (gold) and columns (predicted) of `confusion`. */
  tags: string[];
  /** `confusion[g][p]`: tokens of gold `tags[g]` predicted as `tags[p]`. */
  confusion: number[][];
  /** NER: entity scores overall and by type. */
  entities?: { overall: TypeScoresDoc; byType: Record<string, TypeScoresDoc> };
  /** NER: I- tags of the argmax sequence that continued no entity (what constrained decoding repaired). */
  argmaxInvalid?: number;
  /** Test: the step whose weights were scored (the best validation's). */
  weightsStep?: number;
}

/** Per-type scores as metric series values: `test/f1/PER` -> 0.41 (none without entity scores). */
export function entityTypeSeries(split: "valid" | "test", doc: TagReportDoc): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [type, scores] of Object.entries(doc.entities?.byType ?? {})) {
    for (const metric of ENTITY_TYPE_METRICS) out[entityTypeKey(split, metric, type)] = scores[metric];
  }
  return out;
}

export interface Confusion {
  gold: string;
  predicted: string;
  count: number;
  /** Of the gold tag's tokens. */
  share: number;
}

/** The `n` largest off-diagonal cells (gold read as another tag), largest first. */
export function topConfusions(doc: TagReportDoc, n = 5): Confusion[] {
  const cells: Confusion[] = [];
  doc.confusion.forEach((row, g) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (g !== p && count > 0) cells.push({ gold: doc.tags[g] ?? "?", predicted: doc.tags[p] ?? "?", count, share: count / total });
    });
  });
  return cells.sort((a, b) => b.count - a.count || a.gold.localeCompare(b.gold)).slice(0, n);
}

/** Token recall of each gold tag (the confusion's diagonal over its row). */
export function tagRecall(doc: TagReportDoc): Record<string, number> {
  return Object.fromEntries(
    doc.confusion.map((row, g) => {
      const total = row.reduce((a, b) => a + b, 0);
      return [doc.tags[g] ?? "?", total === 0 ? 0 : (row[g] ?? 0) / total];
    }),
  );
}
