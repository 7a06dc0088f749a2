import { describe, expect, it } from "vitest";
import { argmaxDecoder, invalidTransitions, iob2Decoder, iob2Transitions, isIOB2, tagDecoder } from "./decoding.js";

const TAGS = ["<pad>", "B-LOC", "B-PER", "I-LOC", "I-PER", "O"];
const K = TAGS.length;

/** log-probabilities [T, K] row-major from rows of probabilities by tag name (the rest share what is left). */
function scores(rows: Record<string, number>[]): Float32Array {
  const out = new Float32Array(rows.length * K);
  rows.forEach((row, t) => {
    const named = Object.values(row).reduce((a, b) => a + b, 0);
    const rest = (1 - named) / (K - Object.keys(row).length);
    TAGS.forEach((tag, k) => (out[t * K + k] = Math.log(row[tag] ?? rest)));
  });
  return out;
}

/** The best valid sequence by trying every one. */
function bruteForce(s: ArrayLike<number>, T: number): number[] {
  const { allowed, first } = iob2Transitions(TAGS);
  let best: number[] = [];
  let bestScore = -Infinity;
  const walk = (path: number[], total: number) => {
    if (path.length === T) {
      if (total > bestScore) [best, bestScore] = [path, total];
      return;
    }
    for (let k = 0; k < K; k++) {
      const prev = path[path.length - 1];
      const ok = prev === undefined ? first[k] : allowed[prev]?.[k];
      if (ok) walk([...path, k], total + (s[path.length * K + k] as number));
    }
  };
  walk([], 0);
  return best;
}

const names = (ids: number[]) => ids.map((i) => TAGS[i]);

describe("IOB2-constrained decoding", () => {
  it("replaces argmax's invalid O I-PER with the best valid sequence", () => {
    // argmax: O I-PER I-PER O (an I- after O); the best valid path starts the name with B-PER
    const s = scores([{ O: 0.9 }, { "I-PER": 0.5, "B-PER": 0.4, O: 0.05 }, { "I-PER": 0.8 }, { O: 0.9 }]);
    expect(names(argmaxDecoder(TAGS)(s, 4))).toEqual(["O", "I-PER", "I-PER", "O"]);
    const viterbi = iob2Decoder(TAGS)(s, 4);
    expect(names(viterbi)).toEqual(["O", "B-PER", "I-PER", "O"]);
    expect(viterbi).toEqual(bruteForce(s, 4));
  });

  it("is not greedy: a weak B-LOC can win when it licenses a strong I-LOC after it", () => {
    // argmax: B-PER I-LOC (another type). Fixing position 1 alone would keep B-PER; the best path changes both.
    const s = scores([
      { "B-PER": 0.5, "B-LOC": 0.45 },
      { "I-LOC": 0.9, "I-PER": 0.02 },
    ]);
    expect(names(argmaxDecoder(TAGS)(s, 2))).toEqual(["B-PER", "I-LOC"]);
    expect(names(iob2Decoder(TAGS)(s, 2))).toEqual(["B-LOC", "I-LOC"]);
  });

  it("equals brute force on random scores, never starts with I- and never predicts <pad>", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 2;
    const decode = iob2Decoder(TAGS);
    for (let trial = 0; trial < 200; trial++) {
      const T = 1 + (trial % 5);
      const s = Float32Array.from({ length: T * K }, random);
      const path = decode(s, T);
      expect(path).toEqual(bruteForce(s, T));
      expect(invalidTransitions(path.map((i) => TAGS[i] ?? "O"))).toBe(0);
      expect(path).not.toContain(0);
    }
  });

  it("reads one sentence at an offset of a padded batch, and an empty sentence is empty", () => {
    const s = scores([{ O: 0.9 }, { O: 0.9 }, { "B-LOC": 0.9 }, { "I-LOC": 0.9 }]);
    expect(names(iob2Decoder(TAGS)(s, 2, 2 * K))).toEqual(["B-LOC", "I-LOC"]);
    expect(iob2Decoder(TAGS)(s, 0)).toEqual([]);
  });
});

describe("tagDecoder", () => {
  it("is Viterbi for an IOB2 tag set and argmax (without specials) otherwise", () => {
    expect(tagDecoder(TAGS).kind).toBe("iob2");
    const pos = ["<pad>", "NOUN", "VERB"];
    const { kind, decode } = tagDecoder(pos);
    expect(kind).toBe("argmax");
    expect(decode(Float32Array.from([5, 1, 2, 9, 3, 1]), 2)).toEqual([2, 1]); // <pad> scores highest at t=0 and t=1 but is never chosen
    expect(isIOB2(pos)).toBe(false);
  });

  it("counts transitions that break IOB2", () => {
    expect(invalidTransitions(["I-PER", "O", "I-LOC", "B-LOC", "I-LOC", "I-PER"])).toBe(3);
    expect(invalidTransitions(["B-PER", "I-PER", "O", "B-LOC"])).toBe(0);
  });
});
