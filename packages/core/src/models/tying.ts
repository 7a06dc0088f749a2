// Weight tying (Press & Wolf 2017; Inan et al. 2016): the language model's decoder reuses the
// embedding matrix, V = E [|V|, d], on the last hidden state h_t [H], so d must equal H. A tied
// model with other sizes is refused, as in word_language_model ("When using the tied flag, nhid
// must be equal to emsize"). One rule for the config schema and the model: both call this.
// Pure (no TensorFlow.js): the browser-safe config imports it.

/** Why these sizes cannot be tied, and the fix; undefined when they can (or tying is off). */
export function tyingIssue(m: { tied: boolean; embeddingSize: number; hiddenSize: number }): string | undefined {
  if (!m.tied || m.embeddingSize === m.hiddenSize) return undefined;
  return `weight tying needs embeddingSize = hiddenSize, got ${m.embeddingSize} and ${m.hiddenSize}: set model.embeddingSize=${m.hiddenSize} or model.hiddenSize=${m.embeddingSize}, or model.tied=false`;
}
