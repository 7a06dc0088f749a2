// What the compare page is about: a saved selection (?selection=, from the runs page: any number
// of runs, saved by selection.create's POST body) or a few ids (?ids=a,b,c).
import { METRIC_KEYS } from "@unroll/domain";

export const DEFAULT_METRIC = METRIC_KEYS.trainLoss;

export const compareIds = (param: string | null | undefined): string[] => (param ?? "").split(",").filter(Boolean);

export type CompareSet = { selectionId: string } | { ids: string[] };

export function compareSet(params: { get(name: string): string | null }): CompareSet | null {
  const selection = params.get("selection");
  if (selection) return { selectionId: selection };
  const ids = compareIds(params.get("ids"));
  return ids.length ? { ids } : null;
}

/** The chart's width rounded up to 100 px, so a resize by a few pixels asks nothing new. */
export const widthBucket = (px: number) => Math.max(100, Math.ceil(px / 100) * 100);
