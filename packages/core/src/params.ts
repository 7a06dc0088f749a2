// Named parameters: one owner for every tf.variable of a model, under PyTorch state_dict names
// (`encoder.weight`, `rnn.weight_ih_l0`, ...), so checkpoints map one-to-one onto torch modules.
import * as tf from "@tensorflow/tfjs-core";
import { ConfigError } from "./errors.js";
import type { Rng } from "./random.js";

export class Parameters {
  readonly #vars = new Map<string, tf.Variable>();
  readonly #frozen = new Set<string>();

  /** Register `init` (taken over, not copied) as the trainable variable `name`. */
  add(name: string, init: tf.Tensor): tf.Variable {
    if (this.#vars.has(name)) throw new ConfigError(`parameter ${name} is registered twice`);
    // tf.variable names are global to the engine, so we keep our own names and let tf pick its own.
    const v = tf.variable(init, true);
    init.dispose();
    this.#vars.set(name, v);
    return v;
  }

  /** The variable `name`; R names its rank for typing (`get<tf.Rank.R2>("encoder.weight")`). */
  get<R extends tf.Rank = tf.Rank>(name: string): tf.Variable<R> {
    const v = this.#vars.get(name);
    if (!v) throw new ConfigError(`no parameter named ${name}; have ${[...this.#vars.keys()].join(", ")}`);
    return v as tf.Variable<R>;
  }

  has(name: string): boolean {
    return this.#vars.has(name);
  }

  names(): string[] {
    return [...this.#vars.keys()];
  }

  entries(): [string, tf.Variable][] {
    return [...this.#vars.entries()];
  }

  variables(): tf.Variable[] {
    return [...this.#vars.values()];
  }

  /** Keeps `name` as it is: training computes no gradient for it (frozen pretrained embeddings). */
  freeze(name: string): void {
    this.get(name);
    this.#frozen.add(name);
  }

  /** The variables training updates: all but the frozen ones. */
  trainable(): tf.Variable[] {
    return [...this.#vars].filter(([name]) => !this.#frozen.has(name)).map(([, v]) => v);
  }

  /** Total number of scalars. */
  count(): number {
    let n = 0;
    for (const v of this.#vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.#vars.values()) v.dispose();
    this.#vars.clear();
  }
}

/** U(-bound, bound) drawn from our seeded generator (PyTorch's RNN init uses bound = 1/sqrt(hidden)). */
export function uniformInit(rng: Rng, shape: number[], bound: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.uniformArray(n, -bound, bound), shape, "float32");
}

/** A dense layer y = x W^T + b with torch's nn.Linear layout: weight [out, in], bias [out]. */
export function addLinear(params: Parameters, name: string, rng: Rng, inSize: number, outSize: number, bias = true): void {
  const bound = 1 / Math.sqrt(inSize); // nn.Linear's default U(-1/sqrt(in), 1/sqrt(in))
  params.add(`${name}.weight`, uniformInit(rng, [outSize, inSize], bound));
  if (bias) params.add(`${name}.bias`, uniformInit(rng, [outSize], bound));
}

/** Apply the nn.Linear `name` to x [N, in] -> [N, out]. */
export function linear(params: Parameters, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.matMul(x, params.get<tf.Rank.R2>(`${name}.weight`), false, true); // [N, out] (transposeB: no transposed copy)
    return (params.has(`${name}.bias`) ? tf.add(y, params.get<tf.Rank.R1>(`${name}.bias`)) : y) as tf.Tensor2D;
  });
}
