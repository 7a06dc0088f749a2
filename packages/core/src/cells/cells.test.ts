import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Parameters } from "../params.js";
import { Rng } from "../random.js";
import type { Activation, Cell, CellKind } from "./index.js";
import { cellParamCount, createCell, runCell, zeroState } from "./index.js";
import { checkGradients, expectNoLeak, randomTensor, useCpu } from "./testing.js";

beforeAll(useCpu);

const B = 2,
  T = 3,
  I = 3,
  H = 4;
const kinds: [CellKind, Activation][] = [
  ["elman", "tanh"],
  ["elman", "relu"],
  ["lstm", "tanh"],
  ["gru", "tanh"],
];

function make(kind: CellKind, act: Activation = "tanh"): { params: Parameters; cell: Cell } {
  const params = new Parameters();
  return { params, cell: createCell(kind, params, "rnn.", "_l0", I, H, new Rng(7), act) };
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));
/** Plain-JS float64 reference of one step, written from torch's documented equations. */
function referenceStep(kind: CellKind, act: Activation, w: Record<string, number[]>, x: number[], h: number[], c: number[]): [number[], number[]] {
  const G = kind === "lstm" ? 4 : kind === "gru" ? 3 : 1;
  const pre = (W: number[], v: number[], b: number[]) =>
    Array.from({ length: G * H }, (_, r) => (b[r] as number) + v.reduce((s, vj, j) => s + (W[r * v.length + j] as number) * vj, 0));
  const xi = pre(w.wih!, x, w.bih!);
  const hh = pre(w.whh!, h, w.bhh!);
  const gate = (a: number[], k: number) => a.slice(k * H, (k + 1) * H);
  if (kind === "elman") return [xi.map((v, r) => (act === "relu" ? Math.max(0, v + hh[r]!) : Math.tanh(v + hh[r]!))), []];
  if (kind === "lstm") {
    const s = xi.map((v, r) => v + hh[r]!);
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => gate(s, k));
    const cn = c.map((cv, r) => sig(f![r]!) * cv + sig(i![r]!) * Math.tanh(g![r]!));
    return [cn.map((cv, r) => sig(o![r]!) * Math.tanh(cv)), cn];
  }
  const r = gate(xi, 0).map((v, k) => sig(v + gate(hh, 0)[k]!));
  const z = gate(xi, 1).map((v, k) => sig(v + gate(hh, 1)[k]!));
  const n = gate(xi, 2).map((v, k) => Math.tanh(v + r[k]! * gate(hh, 2)[k]!));
  return [n.map((nv, k) => (1 - z[k]!) * nv + z[k]! * h[k]!), []];
}

describe.each(kinds)("%s cell (%s)", (kind, act) => {
  it("has torch's parameter names, shapes and count", () => {
    const { params, cell } = make(kind, act);
    const G = kind === "lstm" ? 4 : kind === "gru" ? 3 : 1;
    expect(params.names()).toEqual(["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"]);
    expect(params.get("rnn.weight_ih_l0").shape).toEqual([G * H, I]);
    expect(params.get("rnn.weight_hh_l0").shape).toEqual([G * H, H]);
    expect(params.count()).toBe(cellParamCount(kind, I, H));
    expect(cell.hiddenSize).toBe(H);
    params.dispose();
  });

  it("matches a float64 reference of torch's equations", () => {
    const { params, cell } = make(kind, act);
    const w = Object.fromEntries((["wih", "whh", "bih", "bhh"] as const).map((k, j) => [k, Array.from(params.entries()[j]![1].dataSync())]));
    const x = randomTensor([1, T, I], 3) as tf.Tensor3D;
    const { outputs, state } = runCell(cell, x, zeroState(cell, 1));
    const xs = Array.from(x.dataSync());
    let h = new Array(H).fill(0),
      c = new Array(H).fill(0);
    const want: number[] = [];
    for (let t = 0; t < T; t++) {
      [h, c] = referenceStep(kind, act, w, xs.slice(t * I, (t + 1) * I), h, c);
      want.push(...h);
    }
    const got = Array.from(outputs.dataSync());
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    Array.from(state[0]!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(h[i]!, 5));
    if (kind === "lstm") Array.from(state[1]!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(c[i]!, 5));
    tf.dispose([x, outputs, state]);
    params.dispose();
  });

  it("gradients match finite differences", () => {
    const { params, cell } = make(kind, act);
    const x = randomTensor([B, T, I], 1) as tf.Tensor3D;
    const h0 = (kind === "lstm" ? [randomTensor([B, H], 2, 0.5), randomTensor([B, H], 3, 0.5)] : [randomTensor([B, H], 2, 0.5)]) as tf.Tensor2D[];
    const R = randomTensor([B, T, H], 4);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const loss = () =>
      tf.tidy(() => {
        const { outputs, state } = runCell(cell, x, h0, mask);
        return tf.add(tf.sum(tf.mul(outputs, R)), tf.sum(state[0]!)) as tf.Scalar;
      });
    checkGradients(loss, params.variables());
    tf.dispose([x, h0, R, mask]);
    params.dispose();
  });

  it("masked positions keep the state and output zeros", () => {
    const { params, cell } = make(kind, act);
    const x = randomTensor([2, T, I], 5) as tf.Tensor3D;
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 0, 0],
    ]);
    const full = runCell(cell, tf.slice(x, [1, 0, 0], [1, 1, I]) as tf.Tensor3D, zeroState(cell, 1));
    const padded = runCell(cell, x, zeroState(cell, 2), mask);
    const last = tf.slice(padded.state[0]!, [1, 0], [1, H]);
    expect(Array.from(last.dataSync())).toEqual(Array.from(full.state[0]!.dataSync()));
    expect(Array.from(tf.slice(padded.outputs, [1, 1, 0], [1, 2, H]).dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, mask, full, padded, last]);
    params.dispose();
  });

  it("starts from zeros, batch-major for layers and feature-major for steps", () => {
    const { params, cell } = make(kind, act);
    const rows = zeroState(cell, B);
    const cols = zeroState(cell, B, "feature-major");
    expect(rows.map((s) => s.shape)).toEqual(Array.from({ length: cell.stateSize }, () => [B, H]));
    expect(cols.map((s) => s.shape)).toEqual(Array.from({ length: cell.stateSize }, () => [H, B]));
    expect([...rows, ...cols].every((s) => s.dataSync().every((v) => v === 0))).toBe(true);
    tf.dispose([rows, cols]);
    params.dispose();
  });

  it("does not leak tensors", async () => {
    const { params, cell } = make(kind, act);
    const x = randomTensor([B, T, I], 1) as tf.Tensor3D;
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    await expectNoLeak(() => tf.tidy(() => runCell(cell, x, zeroState(cell, B), mask)));
    const G = kind === "lstm" ? 4 : kind === "gru" ? 3 : 1;
    await expectNoLeak(() => tf.tidy(() => cell.step(cell.prepare(), tf.zeros([G * H, B]), zeroState(cell, B, "feature-major"))));
    await expectNoLeak(() => zeroState(cell, B));
    tf.dispose([x, mask]);
    params.dispose();
  });
});
