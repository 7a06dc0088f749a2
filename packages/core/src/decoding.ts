// A tag sequence from a tagger's per-token log-probabilities (plain arrays, no tensors).
//   argmax: each position's best tag on its own (POS).
//   IOB2 (NER): the best sequence that is valid IOB2, by Viterbi (J&M 8.4.6; Lample et al. 2016
//     decode a CRF the same way). Argmax can write `O I-PER` or `B-LOC I-PER`, which conlleval
//     reads as an entity starting at the I- with a span and type gold rarely has. Here an I-X may
//     follow only B-X or I-X (never first, after O or after another type):
//       delta_t(j) = log p(y_t = j | x) + max_{i allowed before j} delta_{t-1}(i),  then backtrack.
// Specials such as <pad> are never gold, so neither decoder predicts them.

/** True when the tags (specials aside) are O, B-X, I-X with at least one B-: span-labelled, as NER. */
export function isIOB2(tagNames: readonly string[]): boolean {
  const real = tagNames.filter((t) => !isSpecial(t));
  return real.some((t) => t.startsWith("B-")) && real.every((t) => t === "O" || /^[BI]-./.test(t));
}

/** Tag ids of one sentence from `scores` [length, K] row-major starting at `offset` (K = the number of tags). */
export type TagDecoder = (scores: ArrayLike<number>, length: number, offset?: number) => number[];

export type DecodingKind = "argmax" | "iob2";

/** The decoder a tag set calls for: constrained Viterbi for IOB2, else argmax. */
export function tagDecoder(tagNames: readonly string[]): { kind: DecodingKind; decode: TagDecoder } {
  return isIOB2(tagNames) ? { kind: "iob2", decode: iob2Decoder(tagNames) } : { kind: "argmax", decode: argmaxDecoder(tagNames) };
}

/** Each position's most likely tag (specials excluded). */
export function argmaxDecoder(tagNames: readonly string[]): TagDecoder {
  const K = tagNames.length;
  const real = tagNames.map((_, k) => k).filter((k) => !isSpecial(tagNames[k] ?? ""));
  return (scores, length, offset = 0) =>
    Array.from({ length }, (_, t) => {
      let best = real[0] ?? 0;
      for (const k of real) if ((scores[offset + t * K + k] as number) > (scores[offset + t * K + best] as number)) best = k;
      return best;
    });
}

/** `allowed[i][j]`: tag j may follow tag i; `first[j]`: tag j may start a sentence. */
export function iob2Transitions(tagNames: readonly string[]): { allowed: boolean[][]; first: boolean[] } {
  const may = (prev: string | undefined, next: string): boolean => {
    if (isSpecial(next)) return false;
    if (!next.startsWith("I-")) return true; // O and B-X go anywhere
    return prev !== undefined && (prev === `B-${next.slice(2)}` || prev === next); // I-X continues X
  };
  return { allowed: tagNames.map((prev) => tagNames.map((next) => may(prev, next))), first: tagNames.map((next) => may(undefined, next)) };
}

/** The most likely valid IOB2 sequence (sum of log-probabilities) by Viterbi. */
export function iob2Decoder(tagNames: readonly string[]): TagDecoder {
  const K = tagNames.length;
  const { allowed, first } = iob2Transitions(tagNames);
  const before = tagNames.map((_, j) => tagNames.map((_, i) => i).filter((i) => allowed[i]?.[j])); // tags allowed before j
  return (scores, length, offset = 0) => {
    if (length === 0) return [];
    const score = (t: number, k: number) => scores[offset + t * K + k] as number;
    let delta = Array.from({ length: K }, (_, j) => (first[j] ? score(0, j) : -Infinity)); // delta_0(j)
    const back: Int32Array[] = [];
    for (let t = 1; t < length; t++) {
      const from = new Int32Array(K).fill(-1);
      const next = new Array<number>(K).fill(-Infinity);
      for (let j = 0; j < K; j++) {
        for (const i of before[j] ?? []) {
          const v = delta[i] as number;
          if (v > (next[j] as number)) {
            next[j] = v;
            from[j] = i;
          }
        }
        next[j] = (next[j] as number) + score(t, j); // delta_t(j) = log p(y_t = j) + max_i delta_{t-1}(i)
      }
      back.push(from);
      delta = next;
    }
    let k = delta.indexOf(Math.max(...delta));
    const path = [k];
    for (let t = length - 1; t > 0; t--) path.push((k = back[t - 1]?.[k] ?? 0));
    return path.reverse();
  };
}

/** Transitions that break IOB2 in a tag sequence (an I-X first, after O or after another type). */
export function invalidTransitions(tags: readonly string[]): number {
  let n = 0;
  tags.forEach((tag, t) => {
    const prev = tags[t - 1];
    if (tag.startsWith("I-") && prev !== `B-${tag.slice(2)}` && prev !== tag) n++;
  });
  return n;
}

function isSpecial(tag: string): boolean {
  return tag.startsWith("<");
}
