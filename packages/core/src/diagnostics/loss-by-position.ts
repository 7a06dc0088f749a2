// Loss by position (issue 15): the mean validation loss at each position of the window, what
// carried state and the BPTT length buy (a language model's first positions of a chunk see the
// carried state only; later ones their own context too). For a tagger, position = distance from
// the sentence start. Accumulated over an evaluation pass, from per-token losses.

export interface LossByPosition {
  /** "window": position in the BPTT chunk (lm); "sentence": distance from the sentence start (tagger). */
  basis: "window" | "sentence";
  /** Mean loss at each position. */
  loss: number[];
  /** Tokens averaged at each position. */
  count: number[];
}

/** Sums per position over an evaluation pass. */
export class PositionLoss {
  readonly #sum: number[] = [];
  readonly #count: number[] = [];

  constructor(readonly basis: LossByPosition["basis"]) {}

  /** Loss summed at each position t over `counts[t]` tokens. */
  add(sums: ArrayLike<number>, counts: ArrayLike<number>): void {
    for (let t = 0; t < sums.length; t++) {
      this.#sum[t] = (this.#sum[t] ?? 0) + (sums[t] as number);
      this.#count[t] = (this.#count[t] ?? 0) + (counts[t] as number);
    }
  }

  result(): LossByPosition {
    return { basis: this.basis, loss: this.#sum.map((s, t) => s / Math.max(this.#count[t] ?? 0, 1)), count: [...this.#count] };
  }
}
