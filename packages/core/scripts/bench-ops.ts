// Before/after timings of the wasm fixes at the reference LM sizes (vocab 10k, emb 200,
// hidden 200, bptt 35, batch 20). "stock" = tfjs-backend-wasm's own kernels and tfjs's own
// ops; "ours" = the kernels in src/kernels and the ops in src/ops.
//
//   npx tsx scripts/bench-ops.ts [--threads=N] [--quick]
//
// Timings are the best of a few runs (ms): on a shared machine the best is the least disturbed.
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend.js";
import { registerFastKernels, unregisterFastKernels } from "../src/kernels/index.js";
import { installKernels, uninstallKernels } from "../src/kernels/registry.js";
import { wasmSegmentSumOverrides } from "../src/kernels/segment-sum.js";
import { embeddingLookup, softmaxCrossEntropy } from "../src/ops/index.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string | undefined]));
const threads = Number(args.get("threads") ?? 1);
const quick = args.has("quick");

const V = 10_000;
const E = 200;
const H = 200;
const T = 35;
const B = 20;
const N = T * B; // 700 tokens per batch

const info = await initBackend({ backend: "wasm", threads });
console.log(`backend: ${info.device}; tfjs ${tf.version_core}; node ${process.version}`);

function best(xs: number[]): number {
  return Math.min(...xs);
}

function tensorsIn(x: tf.TensorContainer): tf.Tensor[] {
  if (x instanceof tf.Tensor) return [x];
  if (Array.isArray(x)) return x.flatMap(tensorsIn);
  if (x && typeof x === "object") return Object.values(x).flatMap((v) => tensorsIn(v as tf.TensorContainer));
  return [];
}

/** ms per call of f (its result is read back, then disposed). */
function time(f: () => tf.TensorContainer, reps = 5, warmup = 1): number {
  const run = () => {
    const out = tf.tidy(f);
    for (const t of tensorsIn(out)) t.dataSync(); // wait for the result
    tf.dispose(out);
  };
  for (let i = 0; i < warmup; i++) run();
  const ms: number[] = [];
  for (let i = 0; i < (quick ? Math.min(reps, 2) : reps); i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  return best(ms);
}

/** Runs f with the stock wasm kernels, or "fails: <why>". */
function stock(f: () => number, keepSegmentSum = false): number | string {
  unregisterFastKernels("wasm");
  if (keepSegmentSum) installKernels("wasm", wasmSegmentSumOverrides);
  try {
    return f();
  } catch (err) {
    return `fails: ${(err instanceof Error ? err.message : String(err)).slice(0, 60)}`;
  } finally {
    uninstallKernels("wasm", ["UnsortedSegmentSum"]);
    registerFastKernels("wasm");
  }
}

const rows: { what: string; before: number | string; after: number | string; note?: string }[] = [];
function row(what: string, before: number | string, after: number | string, note?: string): void {
  rows.push({ what, before, after, note });
  const fmt = (x: number | string) => (typeof x === "number" ? x.toFixed(1) : x);
  console.log(
    `${what.padEnd(52)} ${fmt(before).padStart(10)} ${fmt(after).padStart(10)}${typeof before === "number" && typeof after === "number" ? `  x${(before / after).toFixed(1)}` : ""}${note ? `  ${note}` : ""}`,
  );
}

const rnd = (shape: number[]) => tf.keep(tf.randomNormal(shape, 0, 0.1));
console.log(`${"ms per op (wasm)".padEnd(52)} ${"stock".padStart(10)} ${"ours".padStart(10)}`);

// 1. matMul 700x200 @ 200x800, with and without transposes, and its gradient
{
  const a = rnd([N, H]);
  const aT = rnd([H, N]);
  const b = rnd([H, 4 * H]);
  const bT = rnd([4 * H, H]);
  const cases: [string, () => tf.Tensor][] = [
    ["matMul 700x200 @ 200x800", () => tf.matMul(a, b)],
    ["matMul transposeA (200x700)^T @ 200x800", () => tf.matMul(aT, b, true, false)],
    ["matMul transposeB 700x200 @ (800x200)^T", () => tf.matMul(a, bT, false, true)],
    ["matMul both transposed", () => tf.matMul(aT, bT, true, true)],
  ];
  for (const [what, f] of cases)
    row(
      what,
      stock(() => time(f, 7)),
      time(f, 7),
    );
  const grad = () => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]);
  row(
    "matMul 700x200 @ 200x800: forward + both gradients",
    stock(() => time(grad)),
    time(grad),
  );
  const x1024 = rnd([1024, 1024]);
  const ms = time(() => tf.matMul(x1024, x1024), 5);
  console.log(`  (1024^2 matMul: ${ms.toFixed(1)} ms = ${((2 * 1024 ** 3) / ms / 1e6).toFixed(1)} GFLOP/s)`);
  tf.dispose([a, aT, b, bT, x1024]);
}

// 2. embedding gradient: dense [10000, 200] from 700 ids
{
  const table = rnd([V, E]);
  const ids = tf.keep(tf.randomUniform([B, T], 0, V, "int32"));
  const up = rnd([B, T, E]);
  const viaGather = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), up)))(table);
  const viaOp = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), up)))(table);
  row(
    "gather grad 10000x200 (tf.gather)",
    stock(() => time(viaGather)),
    time(viaGather),
  );
  row("gather grad 10000x200 (embeddingLookup)", "-", time(viaOp));
  tf.dispose([table, ids, up]);
}

// 3. time steps: [20, 35, 800] -> 35 x [20, 800], and the 4 gates of a [700, 800]
{
  const x = rnd([B, T, 4 * H]);
  const z = rnd([N, 4 * H]);
  const perSlice = () => Array.from({ length: T }, (_, t) => tf.slice(x, [0, t, 0], [B, 1, 4 * H]));
  row(
    "unstack [20,35,800] into 35 steps",
    stock(() => time(() => tf.unstack(x, 1))),
    time(() => tf.unstack(x, 1)),
  );
  row(
    "35 x tf.slice of [20,35,800]",
    stock(() => time(perSlice)),
    time(perSlice),
  );
  row(
    "split [700,800] into 4 gates",
    stock(() => time(() => tf.split(z, 4, 1), 9)),
    time(() => tf.split(z, 4, 1), 9),
  );
  const g = () => tf.grad((v: tf.Tensor) => tf.addN(tf.unstack(v, 1).map((s, i) => tf.mul(tf.sum(s), i))))(x);
  row(
    "unstack [20,35,800]: forward + gradient",
    stock(() => time(g)),
    time(g),
  );
  tf.dispose([x, z]);
}

// 4. softmax cross-entropy over [700, 10000], forward + gradient
{
  const logits = rnd([N, V]) as tf.Tensor2D;
  const targets = tf.keep(tf.randomUniform([N], 0, V, "int32")) as tf.Tensor1D;
  const builtin = () => tf.valueAndGrad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(targets, V), z))(logits);
  const placeholder = () => tf.valueAndGrad((z: tf.Tensor) => tf.mean(tf.neg(tf.sum(tf.mul(tf.logSoftmax(z), tf.oneHot(targets, V)), 1))))(logits);
  const ours = () => tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, targets))(logits);
  const oursFwd = time(() => softmaxCrossEntropy(logits, targets));
  row("CE 700x10000 fwd+grad: tf.losses vs ours", time(builtin, 3), time(ours, 5));
  row("CE 700x10000 fwd+grad: logSoftmax+oneHot vs ours", time(placeholder, 3), time(ours, 5), `(ours forward only: ${oursFwd.toFixed(1)})`);
  tf.dispose([logits, targets]);
}

// 5. tied-weight generation: logits = h E^T for one token, E [10000, 200]
{
  const emb = rnd([V, E]) as tf.Tensor2D;
  const h = rnd([1, E]);
  const embT = tf.transpose(emb); // E^T [200, 10000] kept once, as LMStepper (sampling.ts) keeps it
  const tokens = 200;
  const perToken = (f: () => tf.Tensor) => () => {
    for (let i = 0; i < tokens; i++) tf.tidy(f).dataSync();
    return tf.scalar(0);
  };
  const transposed = perToken(() => tf.matMul(h, emb, false, true));
  const cached = perToken(() => tf.matMul(h, embT));
  row(
    "200 tokens of h E^T: matMul(h, E, false, true)",
    stock(() => time(transposed, 3)),
    time(transposed, 3),
  );
  row("200 tokens of h E^T: E^T kept", "-", time(cached, 3));
  tf.dispose([emb, embT, h]);
}

// 6. one training step of the reference LM (2-layer LSTM, untied), hand-written here
{
  const p = {
    emb: tf.variable(tf.randomUniform([V, E], -0.1, 0.1)) as tf.Variable<tf.Rank.R2>,
    w: [0, 1].map(() => tf.variable(tf.randomUniform([E + H, 4 * H], -0.07, 0.07))),
    b: [0, 1].map(() => tf.variable(tf.zeros([4 * H]))),
    dec: tf.variable(tf.randomUniform([H, V], -0.1, 0.1)),
    decB: tf.variable(tf.zeros([V])),
  };
  const ids = tf.keep(tf.randomUniform([B, T], 0, V, "int32"));
  const targets = tf.keep(tf.randomUniform([N], 0, V, "int32")) as tf.Tensor1D;
  const opt = tf.train.sgd(1);
  const step = (fast: boolean) => () => {
    const loss = opt.minimize(() => {
      const x = fast ? embeddingLookup(p.emb, ids) : tf.gather(p.emb, ids); // [B, T, E]
      let steps = tf.unstack(x, 1) as tf.Tensor2D[]; // T x [B, E]
      for (let l = 0; l < 2; l++) {
        let hPrev = tf.zeros([B, H]) as tf.Tensor2D;
        let c = tf.zeros([B, H]) as tf.Tensor2D;
        const outs: tf.Tensor2D[] = [];
        for (const s of steps) {
          const zt = tf.add(tf.matMul(tf.concat([s, hPrev], 1), p.w[l]!), p.b[l]!); // [B, 4H]
          const [i, f, g, o] = tf.split(zt, 4, 1) as tf.Tensor2D[];
          c = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
          hPrev = tf.mul(tf.sigmoid(o!), tf.tanh(c));
          outs.push(hPrev);
        }
        steps = outs;
      }
      const hs = tf.reshape(tf.stack(steps, 1), [N, H]); // [B*T, H]
      const logits = tf.add(tf.matMul(hs, p.dec), p.decB) as tf.Tensor2D; // [N, V]
      return fast ? softmaxCrossEntropy(logits, targets) : tf.losses.softmaxCrossEntropy(tf.oneHot(targets, V), logits);
    }, true);
    return loss ?? tf.scalar(0);
  };
  const before = stock(() => time(step(false), 2), true); // stock + UnsortedSegmentSum, or the gather gradient cannot run at all
  const after = time(step(true), 3);
  const tps = (ms: number | string) => (typeof ms === "number" ? `${Math.round((N * 1000) / ms)} tokens/s` : ms);
  row("LM training step (700 tokens)", before, after, `${tps(before)} -> ${tps(after)}`);
  tf.dispose([ids, targets, p.emb, ...p.w, ...p.b, p.dec, p.decB]);
  opt.dispose();
}

console.log(JSON.stringify({ threads: info.threads, rows }));
