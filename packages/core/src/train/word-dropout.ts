// Word dropout (Lample et al. 2016, sec. 4.3; "we replace singletons with the unknown embedding
// with probability p = 0.5"): in training only, each occurrence of a singleton (a token id seen
// exactly once in the training split) reads as <unk>, so that the <unk> embedding, which a
// vocabulary of every training word (minFrequency 1) would never train, learns what unseen words
// look like. Only the id is dropped: character features still spell the word. Draws come from the
// trainer's seeded generator (checkpointed), so a run and its resumption drop the same tokens.
import type { Rng } from "../random.js";
import type { SequenceExample } from "./batching.js";

export interface WordDropout {
  /** Probability that a singleton occurrence reads as <unk>. */
  p: number;
  /** The id of <unk>. */
  unk: number;
}

/** Ids seen exactly once in `examples` (specials such as <pad> and <unk> excluded). */
export function singletonIds(examples: readonly SequenceExample[], unk: number): Set<number> {
  const counts = new Map<number, number>();
  for (const e of examples) for (let t = 0; t < e.ids.length; t++) counts.set(e.ids[t] as number, (counts.get(e.ids[t] as number) ?? 0) + 1);
  return new Set([...counts].filter(([id, n]) => n === 1 && id !== unk && id !== 0).map(([id]) => id));
}

/** A copy of ids [B * T] with each singleton replaced by <unk> with probability p (one draw per singleton occurrence). */
export function dropWords(ids: Int32Array, singletons: ReadonlySet<number>, { p, unk }: WordDropout, rng: Rng): Int32Array {
  const out = ids.slice();
  if (p <= 0 || singletons.size === 0) return out;
  for (let i = 0; i < out.length; i++) if (singletons.has(out[i] as number) && rng.next() < p) out[i] = unk;
  return out;
}

/** train.wordDropout's default with character features (Lample et al. 2016's p). */
export const DEFAULT_WORD_DROPOUT = 0.5;
