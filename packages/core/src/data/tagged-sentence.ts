// The record both tagging readers (CoNLL-U, IOB2) produce.

/** A sentence of tokens with one tag each. */
export interface TaggedSentence {
  tokens: string[];
  tags: string[];
  /** 1-based line of the sentence's first token line, for error messages downstream. */
  line: number;
}
