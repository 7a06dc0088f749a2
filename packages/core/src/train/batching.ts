// Batching, as plain number arrays (tensors are made per step by the task).
//  - Language models (word_language_model `batchify` / `get_batch`): the token stream is cut into
//    B contiguous columns; chunk i holds rows [i*bptt, i*bptt + T) and its targets are shifted by one.
//    Consecutive chunks continue each column, so the hidden state carries across chunks (truncated BPTT).
//  - Taggers and classifiers: sequences grouped by length (little padding), padded with id 0 (<pad>),
//    with a mask; the order of batches is shuffled with the seed each epoch.
import { DataError } from "../errors.js";
import { Rng } from "../random.js";

/** A token stream laid out as [rows, B]: column b is tokens[b*rows, (b+1)*rows). */
export interface Batchified {
  data: Int32Array; // [rows * B], row-major
  rows: number;
  cols: number;
}

/** word_language_model `batchify`: trim the stream to a multiple of B and fold it into B columns. */
export function batchify(tokens: ArrayLike<number>, batchSize: number): Batchified {
  const rows = Math.floor(tokens.length / batchSize);
  if (rows < 2) throw new DataError(`${tokens.length} tokens cannot make 2 rows of ${batchSize} columns; use a smaller train.batchSize or more text`);
  const data = new Int32Array(rows * batchSize);
  for (let b = 0; b < batchSize; b++) for (let r = 0; r < rows; r++) data[r * batchSize + b] = tokens[b * rows + r] as number;
  return { data, rows, cols: batchSize };
}

/** Number of bptt chunks in one pass (the last one may be shorter). */
export function lmChunkCount(src: Batchified, bptt: number): number {
  return Math.ceil((src.rows - 1) / bptt);
}

export interface LMChunk {
  ids: Int32Array; // [B, T] row-major
  targets: Int32Array; // [B, T]: ids shifted by one step
  batch: number;
  time: number;
}

/** word_language_model `get_batch(source, i * bptt)`, transposed to batch-major [B, T]. */
export function lmChunk(src: Batchified, index: number, bptt: number): LMChunk {
  const start = index * bptt;
  const T = Math.min(bptt, src.rows - 1 - start);
  const B = src.cols;
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = src.data[(start + t) * B + b] as number;
      targets[b * T + t] = src.data[(start + t + 1) * B + b] as number;
    }
  }
  return { ids, targets, batch: B, time: T };
}

export interface PaddedBatch {
  ids: Int32Array; // [B, T], 0 = <pad>
  mask: Float32Array; // [B, T], 1 = token
  lengths: number[];
  tags?: Int32Array; // [B, T] (tagger)
  labels?: Int32Array; // [B] (classifier)
  /** The raw tokens of each sequence (character features), when every example has them. */
  words?: (readonly string[])[];
  batch: number;
  time: number;
  tokens: number;
}

export interface SequenceExample {
  ids: ArrayLike<number>;
  tags?: ArrayLike<number>;
  label?: number;
  /** The raw token behind each id (what character features spell: an <unk> id keeps its word). */
  words?: readonly string[];
}

/**
 * Indices of `examples` grouped into batches of similar length. With `seed`, ties are broken at
 * random and the batch order is shuffled (training); without, the order is by length (evaluation).
 */
export function bucketBatches(examples: readonly SequenceExample[], batchSize: number, seed?: number): number[][] {
  const rng = seed === undefined ? undefined : new Rng(seed);
  const order = examples.map((_, i) => i);
  if (rng) rng.shuffle(order); // random tie order, then a stable sort by length
  order.sort((a, b) => (examples[a] as SequenceExample).ids.length - (examples[b] as SequenceExample).ids.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return rng ? rng.shuffle(batches) : batches;
}

/** Pad the chosen examples to the longest one, with a mask. */
export function padBatch(examples: readonly SequenceExample[], indices: readonly number[]): PaddedBatch {
  const chosen = indices.map((i) => examples[i] as SequenceExample);
  const B = chosen.length;
  const T = Math.max(1, ...chosen.map((e) => e.ids.length));
  const ids = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  const hasTags = chosen.every((e) => e.tags !== undefined);
  const tags = hasTags ? new Int32Array(B * T) : undefined;
  const hasLabels = chosen.every((e) => e.label !== undefined);
  const labels = hasLabels ? new Int32Array(B) : undefined;
  chosen.forEach((e, b) => {
    if (e.tags && e.tags.length !== e.ids.length)
      throw new DataError(`example ${indices[b]} has ${e.ids.length} tokens but ${e.tags.length} tags; each token needs one tag`);
    for (let t = 0; t < e.ids.length; t++) {
      ids[b * T + t] = e.ids[t] as number;
      mask[b * T + t] = 1;
      if (tags && e.tags) tags[b * T + t] = e.tags[t] as number;
    }
    if (labels) labels[b] = e.label as number;
  });
  const lengths = chosen.map((e) => e.ids.length);
  const words = chosen.every((e) => e.words !== undefined) ? chosen.map((e) => e.words as readonly string[]) : undefined;
  chosen.forEach((e, b) => {
    if (words && e.words?.length !== e.ids.length)
      throw new DataError(`example ${indices[b]} has ${e.ids.length} tokens but ${e.words?.length} words; each token id needs its word`);
  });
  return { ids, mask, lengths, tags, labels, ...(words ? { words } : {}), batch: B, time: T, tokens: lengths.reduce((a, b) => a + b, 0) };
}
