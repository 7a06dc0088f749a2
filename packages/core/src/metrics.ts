// Evaluation numbers from plain arrays: accuracy, F1, confusion, perplexity, and entity-level
// scores for IOB2 with the semantics of the CoNLL-2000 `conlleval` script.
import { DataError, ShapeError, TrainingError } from "./errors.js";

/** Fraction of positions where `predicted` equals `gold`, skipping positions whose gold is `ignore` (padding, id 0). */
export function tokenAccuracy(predicted: ArrayLike<number>, gold: ArrayLike<number>, { ignore = 0 }: { ignore?: number } = {}): number {
  sameLength(predicted, gold, "tokenAccuracy");
  let correct = 0;
  let total = 0;
  for (let i = 0; i < gold.length; i++) {
    if (gold[i] === ignore) continue;
    total++;
    if (predicted[i] === gold[i]) correct++;
  }
  return total === 0 ? 0 : correct / total;
}

/** Fraction of equal entries. */
export function accuracy(predicted: ArrayLike<number>, gold: ArrayLike<number>): number {
  sameLength(predicted, gold, "accuracy");
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (predicted[i] === gold[i]) correct++;
  return gold.length === 0 ? 0 : correct / gold.length;
}

/** `matrix[gold][predicted]` counts, for classes 0 .. numClasses-1. */
export function confusionMatrix(predicted: ArrayLike<number>, gold: ArrayLike<number>, numClasses: number): number[][] {
  sameLength(predicted, gold, "confusionMatrix");
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] ?? -1;
    const p = predicted[i] ?? -1;
    const row = matrix[g];
    if (!row || p < 0 || p >= numClasses) {
      throw new ShapeError(
        `confusionMatrix: expected class ids from 0 to ${numClasses - 1}, got gold ${g} and predicted ${p} at index ${i}; pass the number of classes (labels.length)`,
      );
    }
    row[p] = (row[p] ?? 0) + 1;
  }
  return matrix;
}

/**
 * Unweighted mean of per-class F1 over the classes that occur in `gold` or `predicted` (as
 * scikit-learn's `f1_score(average="macro")` does); a class never predicted correctly scores 0.
 */
export function macroF1(predicted: ArrayLike<number>, gold: ArrayLike<number>): number {
  sameLength(predicted, gold, "macroF1");
  const classes = new Set<number>([...Array.from(gold), ...Array.from(predicted)]);
  if (classes.size === 0) return 0;
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (predicted[i] === c && gold[i] === c) tp++;
      else if (predicted[i] === c) fp++;
      else if (gold[i] === c) fn++;
    }
    sum += f1(tp, fp, fn).f1;
  }
  return sum / classes.size;
}

/** `exp(mean negative log-likelihood per token)`, the LM's perplexity (natural log). */
export function perplexity(meanNll: number): number {
  if (!Number.isFinite(meanNll) || meanNll < 0) {
    throw new TrainingError(`perplexity: expected a finite mean negative log-likelihood >= 0, got ${meanNll}; pass the mean cross-entropy in nats`);
  }
  return Math.exp(meanNll);
}

/** A labelled span: tokens `start` to `end` inclusive. */
export interface Entity {
  type: string;
  start: number;
  end: number;
}

/**
 * Entities in one sentence's IOB tags, as conlleval reads them: `B-X` starts an entity; `I-X`
 * continues one of type X, and starts a new one after `O` or after another type (conlleval's
 * `startOfChunk`), so an `I-` without a `B-` still counts as an entity.
 */
export function extractEntities(tags: readonly string[]): Entity[] {
  const entities: Entity[] = [];
  let open: Entity | undefined;
  tags.forEach((tag, i) => {
    const { prefix, type } = splitTag(tag, i);
    const starts = prefix === "B" || (prefix === "I" && (!open || open.type !== type));
    if (prefix === "O" || starts) {
      if (open) entities.push(open);
      open = undefined;
    }
    if (starts) open = { type, start: i, end: i };
    else if (prefix === "I" && open) open.end = i;
  });
  if (open) entities.push(open);
  return entities;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

export interface EntityScores extends PrecisionRecallF1 {
  /** Entities in gold, in predictions, and predicted with exactly the gold type and span. */
  gold: number;
  predicted: number;
  correct: number;
  byType: Record<string, PrecisionRecallF1 & { gold: number; predicted: number; correct: number }>;
}

/**
 * Entity-level precision, recall and F1 over sentences of IOB2 tags (fractions, where conlleval
 * prints percentages). An entity is correct only when type, start and end all match.
 */
export function entityScores(predicted: readonly (readonly string[])[], gold: readonly (readonly string[])[]): EntityScores {
  sameLength(predicted, gold, "entityScores (sentences)");
  const counts = new Map<string, { gold: number; predicted: number; correct: number }>();
  const bump = (type: string, field: "gold" | "predicted" | "correct") => {
    const c = counts.get(type) ?? { gold: 0, predicted: 0, correct: 0 };
    c[field]++;
    counts.set(type, c);
  };
  gold.forEach((goldTags, s) => {
    const predTags = predicted[s] ?? [];
    sameLength(predTags, goldTags, `entityScores (sentence ${s})`);
    const goldEntities = extractEntities(goldTags);
    const key = (e: Entity) => `${e.type}\u0000${e.start}\u0000${e.end}`;
    const goldKeys = new Set(goldEntities.map(key));
    for (const e of goldEntities) bump(e.type, "gold");
    for (const e of extractEntities(predTags)) {
      bump(e.type, "predicted");
      if (goldKeys.has(key(e))) bump(e.type, "correct");
    }
  });
  const byType: EntityScores["byType"] = {};
  let total = { gold: 0, predicted: 0, correct: 0 };
  for (const [type, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    byType[type] = { ...c, ...f1(c.correct, c.predicted - c.correct, c.gold - c.correct) };
    total = { gold: total.gold + c.gold, predicted: total.predicted + c.predicted, correct: total.correct + c.correct };
  }
  return { ...total, ...f1(total.correct, total.predicted - total.correct, total.gold - total.correct), byType };
}

export type TypeScores = EntityScores["byType"][string];

/** What a tagger's evaluation reports besides its scalars: the run page's tables. */
export interface TaggingReport {
  /** How tag ids were read from the scores: argmax, or the best valid IOB2 sequence (decoding.ts). */
  decoding: "argmax" | "iob2";
  /** Tokens scored. */
  tokens: number;
  /** The confusion's rows (gold) and columns (predicted), in tag-id order, specials such as <pad> left out. */
  tags: string[];
  /** `confusion[g][p]`: tokens of gold `tags[g]` predicted as `tags[p]`. */
  confusion: number[][];
  /** IOB2 tag sets: entity scores (conlleval) overall and by type. */
  entities?: { overall: TypeScores; byType: Record<string, TypeScores> };
  /** IOB2 tag sets: I- tags of the argmax sequence that continue no entity (what constrained decoding repairs). */
  argmaxInvalid?: number;
}

/**
 * The confusion of tags (gold x predicted) and, for IOB2, entity scores by type, from the tag ids
 * of whole sentences. `tagNames` in id order; ids of specials (<pad>) must not occur.
 */
export function taggingReport(
  predicted: readonly (readonly number[])[],
  gold: readonly (readonly number[])[],
  tagNames: readonly string[],
  extra: { decoding: TaggingReport["decoding"]; argmaxInvalid?: number },
): TaggingReport {
  sameLength(predicted, gold, "taggingReport (sentences)");
  const shown = tagNames.map((_, k) => k).filter((k) => !tagNames[k]?.startsWith("<"));
  const column = new Map(shown.map((k, i) => [k, i]));
  const at = (ids: readonly number[]) => ids.map((k) => column.get(k) ?? -1);
  const confusion = confusionMatrix(at(predicted.flat()), at(gold.flat()), shown.length);
  const report: TaggingReport = { ...extra, tokens: gold.reduce((n, s) => n + s.length, 0), tags: shown.map((k) => tagNames[k] ?? ""), confusion };
  if (extra.decoding === "iob2") {
    const named = (s: readonly number[]) => s.map((k) => tagNames[k] ?? "O");
    const { byType, precision, recall, f1, gold: g, predicted: p, correct } = entityScores(predicted.map(named), gold.map(named));
    report.entities = { overall: { gold: g, predicted: p, correct, precision, recall, f1 }, byType };
  }
  return report;
}

function f1(tp: number, fp: number, fn: number): PrecisionRecallF1 {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

function splitTag(tag: string, index: number): { prefix: "O" | "B" | "I"; type: string } {
  if (tag === "O") return { prefix: "O", type: "" };
  const m = /^([BI])-(.+)$/.exec(tag);
  if (!m)
    throw new DataError(
      `expected an IOB2 tag (O, B-TYPE or I-TYPE), got ${JSON.stringify(tag)} at position ${index}; decode tag ids with the tag vocabulary first`,
    );
  return { prefix: m[1] === "B" ? "B" : "I", type: m[2] ?? "" };
}

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length)
    throw new ShapeError(`${what}: expected predicted and gold of the same length, got ${a.length} and ${b.length}; compare the same positions`);
}
