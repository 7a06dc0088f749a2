// Word embeddings, J&M eq. 8.4: e_t = E x_t with x_t one-hot, i.e. row x_t of E [V, d].
// Torch name `encoder.weight` (word_language_model), init U(-0.1, 0.1) as word_language_model does.
import * as tf from "@tensorflow/tfjs-core";
import { embeddingLookup } from "../ops/index.js";
import type { Parameters } from "../params.js";
import { uniformInit } from "../params.js";
import type { Rng } from "../random.js";

export class Embedding {
  constructor(
    readonly params: Parameters,
    readonly name: string,
    readonly vocabSize: number,
    readonly size: number,
    rng: Rng,
    initRange = 0.1,
  ) {
    params.add(`${name}.weight`, uniformInit(rng, [vocabSize, size], initRange));
  }

  /** E [V, d] */
  get weight(): tf.Variable {
    return this.params.get(`${this.name}.weight`);
  }

  /** Replaces the rows of E named in `rows` (token id -> d numbers), e.g. pretrained vectors. */
  load(rows: ReadonlyMap<number, Float32Array>): void {
    if (rows.size === 0) return;
    const ids = [...rows.keys()];
    const values = new Float32Array(ids.length * this.size); // the new rows, in the order of ids
    ids.forEach((id, i) => values.set(rows.get(id)!, i * this.size));
    // written on the device, E never read back (webgpu cannot read synchronously in Node)
    tf.tidy(() =>
      this.weight.assign(tf.tensorScatterUpdate(this.weight, tf.tensor2d(ids, [ids.length, 1], "int32"), tf.tensor2d(values, [ids.length, this.size]))),
    );
  }

  /** ids int32 [B, T] -> [B, T, d] */
  forward(ids: tf.Tensor2D): tf.Tensor3D {
    return embeddingLookup(this.weight as tf.Tensor2D, ids) as tf.Tensor3D;
  }
}
