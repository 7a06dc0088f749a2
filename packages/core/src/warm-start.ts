// Warm start (model.init): a new model's front (the word embeddings E, the character encoder and
// the recurrent layers) starts from a trained checkpoint of any task, e.g. a NER tagger from a POS
// tagger trained on more sentences, or a classifier from a language model. Matching is by meaning,
// not by position:
//   - rows of E by word: the target's word as written in the source vocabulary, else lowercased
//     (a lowercased classifier from a cased language model); words the source lacks start random;
//   - rows of the character embeddings by character;
//   - every other `rnn.*` and `chars.rnn.*` tensor by name (torch's names, layer and direction
//     included), which must then have the same shape; tensors the source lacks start random.
// The task's output layer (decoder.*, head.*) always starts fresh: its labels are the new task's.
import * as tf from "@tensorflow/tfjs-core";
import { decodeCheckpoint, type Checkpoint, type TensorData } from "./checkpoint.js";
import { ConfigError } from "./errors.js";
import { WARM_START_PARTS, type WarmStartPart } from "./model-init.js";
import type { Parameters } from "./params.js";

/** What a warm start copied; `describeWarmStart` words it for the run's start event. */
export interface WarmStartReport {
  /** Where the weights came from (a file, or run:ID). */
  source: string;
  /** The source's task and the step its weights are from. */
  sourceTask: string;
  sourceStep: number;
  /** Target vocabulary words (specials not counted), and of those found as written or only lowercased; absent when model.initParts leaves the embeddings out. */
  words?: { total: number; exact: number; lowercased: number };
  /** Target alphabet characters (specials not counted) found in the source's alphabet; absent without chars. */
  chars?: { total: number; found: number };
  /** Recurrent tensors copied whole, and the target's recurrent tensors the source has not (they start random). */
  copied: string[];
  fresh: string[];
}

export interface WarmStartTarget {
  params: Parameters;
  /** The new model's vocabulary tokens (id order) and specials. */
  tokens: readonly string[];
  specials: readonly string[];
  /** The new model's character alphabet (id order) and its specials, with model.chars. */
  alphabet?: readonly string[];
  charSpecials?: readonly string[];
  /** What to copy (model.initParts; default all three). */
  parts?: readonly WarmStartPart[];
}

const FIELD = "model.init";
/** The part a recurrent tensor belongs to (rnn.* or chars.rnn.*), else undefined. */
const partOf = (name: string): WarmStartPart | undefined => (name.startsWith("rnn.") ? "rnn" : name.startsWith("chars.rnn.") ? "chars" : undefined);

/** Copy what `source` (checkpoint bytes or a decoded checkpoint) has of `target`'s front into it. */
export function warmStart(sourceBytes: Uint8Array | Checkpoint, target: WarmStartTarget, sourceName: string): WarmStartReport {
  const source = sourceBytes instanceof Uint8Array ? decodeCheckpoint(sourceBytes) : sourceBytes;
  const { metadata: m, tensors } = source;
  // everything is checked before anything is written: a refused start leaves the model as it was
  const writes: (() => void)[] = [];
  const parts = new Set(target.parts ?? WARM_START_PARTS);
  const sourceTokens = (m.tokenizer as { vocabulary?: { tokens?: string[] } } | undefined)?.vocabulary?.tokens;
  const E = tensors.get("encoder.weight");
  if (parts.has("embeddings") && (!sourceTokens || !E))
    throw new ConfigError(
      `${sourceName} has no word embeddings with a vocabulary (encoder.weight and its tokenizer); give a checkpoint or an \`unroll export\` model.safetensors of an Unroll model`,
      FIELD,
    );
  const words =
    parts.has("embeddings") && sourceTokens && E
      ? rowsPlan(target.params, "encoder.weight", E, sourceTokens, target.tokens, target.specials, true, sourceName, "model.embeddingSize", writes)
      : undefined;

  let chars: WarmStartReport["chars"];
  if (parts.has("chars") && target.alphabet && target.params.has("chars.embedding.weight")) {
    const sourceAlphabet = (m.model as { chars?: { alphabet?: string[] } }).chars?.alphabet;
    const C = tensors.get("chars.embedding.weight");
    const specials = target.charSpecials ?? [];
    if (sourceAlphabet && C) {
      const found = rowsPlan(
        target.params,
        "chars.embedding.weight",
        C,
        sourceAlphabet,
        target.alphabet,
        specials,
        false,
        sourceName,
        "model.chars.embeddingSize",
        writes,
      );
      chars = { total: found.total, found: found.exact };
    } else chars = { total: target.alphabet.length - specials.length, found: 0 };
  }

  const copied: string[] = [];
  const fresh: string[] = [];
  for (const [name, v] of target.params.entries()) {
    const part = partOf(name);
    if (!part || !parts.has(part)) continue;
    const t = tensors.get(name);
    if (!t) {
      fresh.push(name);
      continue;
    }
    if (t.shape.join() !== v.shape.join())
      throw new ConfigError(
        `${sourceName}'s ${name} is [${t.shape}], this model's [${v.shape}]: the recurrent layers must have the source's sizes (its model config: ${sizesOf(m.model)}); set those, or leave this part out of model.initParts (["embeddings"] copies the word embeddings alone)`,
        FIELD,
      );
    writes.push(() => tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, "float32"))));
    copied.push(name);
  }
  if (parts.has("rnn") && !copied.some((name) => partOf(name) === "rnn"))
    throw new ConfigError(
      `${sourceName} has none of this model's recurrent tensors (${fresh.slice(0, 2).join(", ")}...; its model config: ${sizesOf(m.model)}): set this model's cell and layers to the source's, or copy the embeddings only (model.initParts=["embeddings"])`,
      FIELD,
    );
  for (const write of writes) write();
  return { source: sourceName, sourceTask: m.task, sourceStep: m.step, ...(words ? { words } : {}), ...(chars ? { chars } : {}), copied, fresh };
}

/** Plans (into `writes`) replacing rows of `name` [N, d] with the source's rows of the same token; returns the coverage. */
function rowsPlan(
  params: Parameters,
  name: string,
  from: TensorData,
  sourceTokens: readonly string[],
  targetTokens: readonly string[],
  specials: readonly string[],
  lowercaseFallback: boolean,
  sourceName: string,
  sizeField: string,
  writes: (() => void)[],
): { total: number; exact: number; lowercased: number } {
  const weight = params.get(name);
  const d = weight.shape[1]!;
  const sourceD = from.shape[1]!;
  if (sourceD !== d) throw new ConfigError(`${sourceName}'s ${name} has rows of ${sourceD} numbers, this model's ${d}: set ${sizeField}=${sourceD}`, FIELD);
  const exactIds = new Map(sourceTokens.map((t, i) => [t, i] as const));
  const lowerIds = new Map<string, number>();
  // the first (most frequent) source token of each lowercased form
  sourceTokens.forEach((t, i) => {
    const k = t.toLowerCase();
    if (!lowerIds.has(k)) lowerIds.set(k, i);
  });
  const special = new Set(specials);
  const ids: number[] = [];
  const rows: number[] = [];
  let exact = 0;
  let lowercased = 0;
  targetTokens.forEach((t, id) => {
    let at = exactIds.get(t);
    if (at !== undefined) {
      if (!special.has(t)) exact++;
    } else if (lowercaseFallback && !special.has(t)) {
      at = lowerIds.get(t.toLowerCase());
      if (at !== undefined) lowercased++;
    }
    if (at === undefined) return;
    ids.push(id);
    rows.push(at);
  });
  if (ids.length > 0) {
    const values = new Float32Array(ids.length * d);
    const data = from.data as Float32Array;
    rows.forEach((at, i) => values.set(data.subarray(at * d, (at + 1) * d), i * d));
    writes.push(() =>
      tf.tidy(() => weight.assign(tf.tensorScatterUpdate(weight, tf.tensor2d(ids, [ids.length, 1], "int32"), tf.tensor2d(values, [ids.length, d])))),
    );
  }
  return { total: targetTokens.filter((t) => !special.has(t)).length, exact, lowercased };
}

function sizesOf(model: Record<string, unknown>): string {
  const chars = model.chars as { embeddingSize?: number; hiddenSize?: number } | undefined;
  const parts = [
    `cell ${String(model.cell)}`,
    `layers ${String(model.layers)}`,
    `embeddingSize ${String(model.embeddingSize)}`,
    `hiddenSize ${String(model.hiddenSize)}`,
    chars ? `chars ${chars.embeddingSize}/${chars.hiddenSize}` : "no chars",
  ];
  return parts.join(", ");
}

const n = (x: number) => x.toLocaleString("en-US");
const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : "0.0");

/** "init: from pos.safetensors (tagger, step 5000): 9,876 of 12,000 words (82.3%, 1,234 lowercased), 80 of 84 characters, 4 recurrent tensors; 2 start random (rnn.weight_ih_l1, ...)". */
export function describeWarmStart(r: WarmStartReport): string {
  const said: string[] = [];
  if (r.words) {
    const found = r.words.exact + r.words.lowercased;
    const lower = r.words.lowercased ? `, ${n(r.words.lowercased)} of them lowercased` : "";
    said.push(`${n(found)} of ${n(r.words.total)} words (${pct(found, r.words.total)}%${lower})`);
  }
  if (r.chars) said.push(`${n(r.chars.found)} of ${n(r.chars.total)} characters`);
  said.push(`${r.copied.length} recurrent tensors`);
  const fresh = r.fresh.length ? `; ${r.fresh.length} start random (${r.fresh.slice(0, 3).join(", ")}${r.fresh.length > 3 ? ", ..." : ""})` : "";
  return `init: from ${r.source} (${r.sourceTask}, step ${n(r.sourceStep)}): ${said.join(", ")}${fresh}; the output layer starts fresh`;
}
