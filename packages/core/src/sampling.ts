// Text generation from a language model (J&M 8.3.1, autoregressive generation): start from a
// context token, draw w_t ~ P(w | w_<t), feed it back, stop at </s> or maxLength.
// One hand-written step with weights prepared once per generate call (each cell's prepared
// weights, and the decoder's transpose V^T): a tied decoder would otherwise re-transpose
// E [|V|, d] for every token.
import * as tf from "@tensorflow/tfjs-core";
import type { Cell, PreparedCell } from "./cells/index.js";
import { zeroState } from "./cells/index.js";
import { throwIfDeviceError } from "./device-errors.js";
import { ConfigError } from "./errors.js";
import type { RNNState } from "./layers/stacked.js";
import { disposeState } from "./layers/stacked.js";
import type { LanguageModel } from "./models/language-model.js";
import { embeddingLookup } from "./ops/index.js";
import { rnnSequenceAvailable } from "./ops/rnn-sequence.js";
import { Rng } from "./random.js";

export interface SampleOptions {
  /** Tokens to generate at most (the prompt not counted). */
  maxLength: number;
  /** Divide logits by this; 0 means greedy. Default 1. */
  temperature?: number;
  /** Always take the most likely token. */
  greedy?: boolean;
  /** Sample among the k most likely tokens only. */
  topK?: number;
  /** Sample among the most likely tokens whose probabilities sum to p (nucleus, Holtzman et al. 2020). */
  topP?: number;
  /** Seed of the sampling generator: same seed, same text. Default 0. */
  seed?: number;
  /** Samples drawn at once, as one batch. Default 1. */
  n?: number;
  /** Token ids never to draw (e.g. <pad> and <s>, which a language model never has to predict). */
  banned?: readonly number[];
  /** Tokens drawn before the stop token may end a sample (default 0). */
  minLength?: number;
}

export interface GenerateOptions extends SampleOptions {
  /** The context token generation starts from (`<s>`). */
  start: number;
  /** Generation of a sample ends when it draws this token (`</s>`); it is not returned. */
  stop?: number;
  /** Token ids read after `start` before generating. */
  prompt?: readonly number[];
}

/** A language model's single step with its weights prepared once; dispose() when done. */
export class LMStepper {
  readonly #cells: { cell: Cell; p: PreparedCell }[];
  readonly #decT: tf.Tensor2D; // [H, |V|], V^T cached once
  /** States batch-major [n, H] through the cells' fused layer kernels (one step = a sequence of 1), else feature-major [H, n]. */
  readonly #fused: boolean;

  constructor(readonly model: LanguageModel) {
    // prepare() and transpose() create exactly the tensors they return (no intermediates to tidy)
    this.#cells = model.rnn.layers.map((l) => ({ cell: l.forwardCell, p: l.forwardCell.prepare() }));
    this.#decT = tf.transpose(model.decoderWeight());
    this.#fused = this.#cells.every(({ cell }) => cell.sequence !== undefined && rnnSequenceAvailable(cell.kind));
  }

  /** Zero state for n samples, in the step's own layout. */
  zeroState(n: number): RNNState {
    return this.#cells.map(({ cell }) => zeroState(cell, n, this.#fused ? "batch-major" : "feature-major"));
  }

  /** ids int32 [n] and the state -> next-token logits [n, |V|] and the new state. */
  step(ids: tf.Tensor1D, state: RNNState): { logits: tf.Tensor2D; state: RNNState } {
    return tf.tidy(() => {
      let x = embeddingLookup(this.model.encoder.weight as tf.Tensor2D, ids) as tf.Tensor2D; // e_t = E x_t  [n, d]
      const next: RNNState = [];
      this.#cells.forEach(({ cell, p }, k) => {
        const xp = tf.fused.matMul({ a: x, b: p.w, transposeB: true, bias: p.bx }) as tf.Tensor2D; // W x_t + b  [n, G*H]
        const s = this.#fused ? this.#fusedStep(cell, p, xp, state[k] ?? []) : cell.step(p, tf.transpose(xp), state[k] ?? []);
        next.push(s);
        x = this.#fused ? (s[0] as tf.Tensor2D) : tf.transpose(s[0] as tf.Tensor2D); // h_t^l  [n, H]
      });
      const logits = tf.fused.matMul({ a: x, b: this.#decT, bias: this.model.params.get("decoder.bias") }) as tf.Tensor2D; // V h_t + b
      return { logits, state: next };
    });
  }

  /** One step through the fused layer kernel; the step loop (with relayouts) if it went away (addon disabled meanwhile). */
  #fusedStep(cell: Cell, p: PreparedCell, xp: tf.Tensor2D, state: tf.Tensor2D[]): tf.Tensor2D[] {
    const out = cell.sequence?.(p, tf.expandDims(xp, 1) as tf.Tensor3D, state);
    if (out) return out.state as tf.Tensor2D[];
    return cell
      .step(
        p,
        tf.transpose(xp),
        state.map((t) => tf.transpose(t)),
      )
      .map((t) => tf.transpose(t as tf.Tensor2D));
  }

  dispose(): void {
    for (const { p } of this.#cells) tf.dispose([p.w, p.u, p.bx, ...(p.bh ? [p.bh] : [])]);
    this.#decT.dispose();
  }
}

/**
 * Plain temperature sampling in three passes over the logits and no allocations (the per-token
 * hot path of generation): max of z = logits / T, the normaliser sum_i exp(z_i - max), then the
 * draw: the first token whose cumulative exp(z_i - max) exceeds u * sum.
 */
function drawSoftmax(logits: ArrayLike<number>, T: number, banned: readonly number[] | undefined, rng: Rng): number {
  const skip = banned && banned.length > 0 ? new Set(banned) : undefined;
  const V = logits.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (!skip?.has(i) && (logits[i] as number) / T > max) max = (logits[i] as number) / T;
  let sum = 0;
  for (let i = 0; i < V; i++) if (!skip?.has(i)) sum += Math.exp((logits[i] as number) / T - max);
  const target = rng.next() * sum;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < V; i++) {
    if (skip?.has(i)) continue;
    cum += Math.exp((logits[i] as number) / T - max);
    last = i;
    if (target < cum) return i;
  }
  return last;
}

/** Pick the next token from one row of logits. */
export function pickToken(logits: ArrayLike<number>, o: SampleOptions, rng: Rng): number {
  // crop: nothing to crop; unlike a transformer's window, the RNN state summarises the whole context
  const V = logits.length;
  const T = o.temperature ?? 1;
  if (o.greedy || T === 0) {
    const banned = new Set(o.banned);
    let best = -1;
    for (let i = 0; i < V; i++) if (!banned.has(i) && (best < 0 || (logits[i] as number) > (logits[best] as number))) best = i;
    return best;
  }
  if (o.topK === undefined && o.topP === undefined) return drawSoftmax(logits, T, o.banned, rng);
  // temperature: z_i / T (T < 1 sharpens, T > 1 flattens); banned tokens get z = -inf
  let ids = Array.from({ length: V }, (_, i) => i);
  const z = Float64Array.from(logits as ArrayLike<number>, (v) => v / T);
  for (const b of o.banned ?? []) z[b] = -Infinity;
  // top-k: keep the k largest logits
  if (o.topK !== undefined || o.topP !== undefined) ids.sort((a, b) => (z[b] as number) - (z[a] as number));
  if (o.topK !== undefined) ids = ids.slice(0, Math.max(1, o.topK));
  // softmax over what is left (max subtracted for stability)
  const max = Math.max(...ids.map((i) => z[i] as number));
  let probs = ids.map((i) => Math.exp((z[i] as number) - max));
  let sum = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / sum);
  // top-p: the smallest set of most likely tokens whose probability reaches p, renormalised
  if (o.topP !== undefined && o.topP < 1) {
    let cum = 0;
    let keep = 0;
    while (keep < probs.length && cum < o.topP) cum += probs[keep++] as number;
    ids = ids.slice(0, keep);
    probs = probs.slice(0, keep);
    sum = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / sum);
  }
  // draw: invert the cumulative distribution at a uniform number from our seeded generator
  const u = rng.next();
  let cum = 0;
  for (let j = 0; j < ids.length; j++) {
    cum += probs[j] as number;
    if (u < cum) return ids[j] as number;
  }
  return ids[ids.length - 1] as number;
}

/**
 * Generate `n` samples at once (one batch). Returns the generated ids of each sample, without the
 * prompt and without the stop token.
 */
export async function generate(model: LanguageModel, o: GenerateOptions): Promise<number[][]> {
  const n = o.n ?? 1;
  if (o.topK !== undefined && o.topK < 1) throw new ConfigError(`topK must be at least 1, got ${o.topK}`, "sample.topK");
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new ConfigError(`topP must be in (0, 1], got ${o.topP}`, "sample.topP");
  const rng = new Rng(o.seed ?? 0);
  const stepper = new LMStepper(model);
  let state = stepper.zeroState(n);
  let logits: tf.Tensor2D | undefined;
  const feed = (tokens: number[]) => {
    const ids = tf.tensor1d(tokens, "int32");
    const out = stepper.step(ids, state);
    ids.dispose();
    disposeState(state);
    logits?.dispose();
    state = out.state;
    logits = out.logits;
  };
  try {
    for (const t of [o.start, ...(o.prompt ?? [])]) feed(new Array<number>(n).fill(t)); // read the context
    const out: number[][] = Array.from({ length: n }, () => []);
    const done = new Array<boolean>(n).fill(false);
    for (let t = 0; t < o.maxLength && !done.every(Boolean); t++) {
      const values = await (logits as tf.Tensor2D).data(); // [n * |V|]
      throwIfDeviceError(); // a failed GPU shader leaves zeros: no tokens drawn from them
      const V = values.length / n;
      // too short to end: the stop token is not drawn (the others keep their relative odds)
      const pick = t < (o.minLength ?? 0) && o.stop !== undefined ? { ...o, banned: [...(o.banned ?? []), o.stop] } : o;
      const next = out.map((seq, i) => {
        if (done[i]) return o.stop ?? 0;
        const id = pickToken(values.subarray(i * V, (i + 1) * V), pick, rng);
        if (id === o.stop) done[i] = true;
        else seq.push(id);
        return id;
      });
      if (t + 1 < o.maxLength && !done.every(Boolean)) feed(next);
    }
    return out;
  } finally {
    logits?.dispose();
    disposeState(state);
    stepper.dispose();
  }
}
