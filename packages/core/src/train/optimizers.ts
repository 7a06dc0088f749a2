// Parameter updates: plain SGD (word_language_model: p <- p - lr * g) and Adam (Kingma & Ba 2015,
// as torch.optim.Adam), plus clipping by global norm (torch.nn.utils.clip_grad_norm_) as a factor
// that the update folds in, so the clipped gradients are never materialised. The factor is a
// number where reads are free (gradientScale), else the squared norm left on the device
// (clipScale: a DeviceClip, turned into the factor inside the update kernels).
// Optimizer state is named like the parameters it belongs to so checkpoints can store it as
// `optimizer.exp_avg.<param>` / `optimizer.exp_avg_sq.<param>` (torch's state keys).
import * as tf from "@tensorflow/tfjs-core";
import { ConfigError } from "../errors.js";
import { AdamUpdate, Axpy, CLIP_EPS, clipFactor, SumOfSquares, type AdamAttrs, type AxpyAttrs } from "../kernels/index.js";
import type { Parameters } from "../params.js";
import { readsAreFree } from "./device-reads.js";

export type Gradients = Map<string, tf.Tensor>;

/** What multiplies every gradient of an update: a number, or the clip factor left on the device. */
export type GradientScale = number | DeviceClip;

/** torch's clip factor min(maxNorm / (norm + 1e-6), 1), not read back: the update computes it. */
export interface DeviceClip {
  /** sum over every gradient of sum(g^2): a scalar tensor (the caller owns it) */
  squaredNorm: tf.Scalar;
  maxNorm: number;
}

export interface Optimizer {
  readonly kind: "sgd" | "adam";
  lr: number;
  /** Number of updates applied so far (Adam's bias correction needs it). */
  step: number;
  /** One update; `scale` multiplies every gradient first (the clip factor: gradientScale or clipScale). */
  apply(params: Parameters, grads: Gradients, scale?: GradientScale): void;
  /** Named state tensors for checkpoints (owned by the optimizer: do not dispose). */
  state(): Map<string, tf.Tensor>;
  loadState(state: Map<string, tf.Tensor>, step: number): void;
  dispose(): void;
}

export class SGD implements Optimizer {
  readonly kind = "sgd" as const;
  step = 0;
  constructor(public lr: number) {}

  apply(params: Parameters, grads: Gradients, scale: GradientScale = 1): void {
    tf.tidy(() => {
      const factor = new Factor(scale);
      for (const [name, g] of grads) {
        const p = params.get(name);
        p.assign(axpy(p, g, -this.lr, factor)); // p <- p - lr (scale g)
      }
    });
    this.step++;
  }

  state(): Map<string, tf.Tensor> {
    return new Map();
  }

  loadState(_state: Map<string, tf.Tensor>, step: number): void {
    this.step = step;
  }

  dispose(): void {}
}

export class Adam implements Optimizer {
  readonly kind = "adam" as const;
  step = 0;
  readonly #m = new Map<string, tf.Variable>(); // first moment  (torch: exp_avg)
  readonly #v = new Map<string, tf.Variable>(); // second moment (torch: exp_avg_sq)

  constructor(
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {}

  apply(params: Parameters, grads: Gradients, scale: GradientScale = 1): void {
    this.step++;
    const t = this.step;
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    const fused = tf.getKernel(AdamUpdate, tf.getBackend()) !== undefined;
    tf.tidy(() => {
      const factor = new Factor(scale);
      for (const [name, raw] of grads) {
        const p = params.get(name);
        const m = this.#moment(this.#m, name, p);
        const v = this.#moment(this.#v, name, p);
        if (fused && p.dtype === "float32" && raw.dtype === "float32") {
          // the whole update in one pass (kernels/optimizer-update.ts), the clip factor inside it
          const attrs: AdamAttrs = { ...factor.attrs("scale"), lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, c1, c2 };
          const inputs = { p, g: raw, m, v, ...factor.inputs() };
          const [pNext, mNext, vNext] = tf.engine().runKernel(AdamUpdate, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
          m.assign(mNext!);
          v.assign(vNext!);
          p.assign(pNext!);
          continue;
        }
        const g = factor.times(raw);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1))); // m_t = b1 m + (1 - b1) g
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2))); // v_t = b2 v + (1 - b2) g^2
        // p <- p - lr * (m_t / c1) / (sqrt(v_t / c2) + eps)
        p.assign(tf.sub(p, tf.div(tf.mul(m, this.lr / c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps))));
      }
    });
  }

  #moment(store: Map<string, tf.Variable>, name: string, like: tf.Tensor): tf.Variable {
    let s = store.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      store.set(name, s);
    }
    return s;
  }

  state(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [n, m] of this.#m) out.set(`exp_avg.${n}`, m);
    for (const [n, v] of this.#v) out.set(`exp_avg_sq.${n}`, v);
    return out;
  }

  loadState(state: Map<string, tf.Tensor>, step: number): void {
    this.dispose();
    this.step = step;
    for (const [key, t] of state) {
      const [kind, ...rest] = key.split(".");
      const store = kind === "exp_avg" ? this.#m : kind === "exp_avg_sq" ? this.#v : undefined;
      if (!store) throw new ConfigError(`unknown Adam state ${key}; expected exp_avg.<param> or exp_avg_sq.<param>`);
      store.set(rest.join("."), tf.variable(t, false));
    }
  }

  dispose(): void {
    for (const s of [...this.#m.values(), ...this.#v.values()]) s.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}

export function createOptimizer(kind: "sgd" | "adam", lr: number): Optimizer {
  return kind === "adam" ? new Adam(lr) : new SGD(lr);
}

/** The global L2 norm of all gradients, sqrt(sum of every element squared), as a number (a read). */
export function globalNorm(grads: Gradients): number {
  if (perGradientReads()) {
    let sum = 0; // one native pass per gradient, each read at once (wasm: no device to wait for)
    for (const g of grads.values()) sum += sumOfSquares(g);
    return Math.sqrt(sum);
  }
  const total = squaredTotal(grads); // one total and a single read
  const value = total.dataSync()[0]!;
  total.dispose();
  return Math.sqrt(value);
}

/** wasm: our SumOfSquares runs on the host there, so reading each gradient's sum at once costs nothing. */
function perGradientReads(): boolean {
  return readsAreFree() && tf.getKernel(SumOfSquares, tf.getBackend()) !== undefined;
}

/** sum over every gradient of sum(g^2), on the backend (webgpu: one SumOfSquares over all of them, a few dispatches). */
function squaredTotal(grads: Gradients): tf.Scalar {
  const gs = [...grads.values()];
  if (tf.getKernel(SumOfSquares, tf.getBackend()) !== undefined && gs.every((g) => g.dtype === "float32")) {
    return tf.engine().runKernel(SumOfSquares, Object.fromEntries(gs.map((g, i) => [`x${i}`, g]))) as tf.Scalar;
  }
  return tf.tidy(() => tf.addN(gs.map((g) => tf.sum(tf.square(g)))) as tf.Scalar);
}

/**
 * torch's clip_grad_norm_ as a factor: maxNorm / (norm + 1e-6) when the global norm exceeds
 * maxNorm, else 1. Pass `scale` to Optimizer.apply: the clipped gradients are never materialised.
 * It reads the norm (synchronously); the trainer uses clipScale.
 */
export function gradientScale(grads: Gradients, maxNorm: number): { scale: number; norm: number } {
  const norm = globalNorm(grads);
  return { scale: clipFactor(norm, maxNorm), norm };
}

/**
 * The trainer's clip factor for one step, for Optimizer.apply: where reads are free (cpu, wasm)
 * gradientScale's number; on a device backend a DeviceClip, nothing read back (a read there would
 * wait for the whole forward and backward pass before the update could be queued). Release it
 * with disposeScale after the update.
 */
export function clipScale(grads: Gradients, maxNorm: number): GradientScale {
  if (readsAreFree()) return gradientScale(grads, maxNorm).scale;
  return { squaredNorm: squaredTotal(grads), maxNorm };
}

/** Releases what a GradientScale holds on the device (nothing for a number). */
export function disposeScale(scale: GradientScale): void {
  if (typeof scale !== "number") scale.squaredNorm.dispose();
}

/**
 * A GradientScale as an update uses it: the fused kernels take a number in their attributes, or
 * the squared norm as the input `normSq` with `maxNorm`; tfjs ops multiply by the factor, which a
 * DeviceClip computes once per update as a scalar tensor (inside the caller's tidy).
 */
class Factor {
  #tensor?: tf.Scalar;
  constructor(readonly scale: GradientScale) {}

  /** The fused kernels' attributes: `key` (alpha or scale) times the number, and maxNorm for a DeviceClip. */
  attrs<K extends string>(key: K, times = 1): Record<K, number> & { maxNorm?: number } {
    const s = this.scale;
    return (typeof s === "number" ? { [key]: times * s } : { [key]: times, maxNorm: s.maxNorm }) as Record<K, number> & { maxNorm?: number };
  }

  /** The fused kernels' extra input: normSq for a DeviceClip. */
  inputs(): { normSq?: tf.Scalar } {
    return typeof this.scale === "number" ? {} : { normSq: this.scale.squaredNorm };
  }

  /** g times the factor, as tfjs ops. */
  times(g: tf.Tensor): tf.Tensor {
    const s = this.scale;
    if (typeof s === "number") return s === 1 ? g : tf.mul(g, s);
    this.#tensor ??= tf.minimum(tf.div(s.maxNorm, tf.add(tf.sqrt(s.squaredNorm), CLIP_EPS)), 1) as tf.Scalar;
    return tf.mul(g, this.#tensor);
  }
}

/** sum(x^2) by our one-pass kernel (registered for wasm). */
function sumOfSquares(x: tf.Tensor): number {
  const s = tf.engine().runKernel(SumOfSquares, { x }) as tf.Scalar;
  const value = s.dataSync()[0]!;
  s.dispose();
  return value;
}

/** x + alpha (factor y): one pass where our kernel is registered (wasm, webgpu), else Mul + Add. */
function axpy(x: tf.Tensor, y: tf.Tensor, alpha: number, factor: Factor): tf.Tensor {
  if (x.dtype === "float32" && y.dtype === "float32" && tf.getKernel(Axpy, tf.getBackend())) {
    const attrs: AxpyAttrs = factor.attrs("alpha", alpha);
    return tf.engine().runKernel(Axpy, { x, y, ...factor.inputs() }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.add(x, tf.mul(factor.times(y), alpha));
}
