import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "./cells/testing.js";
import { setNativeBlas } from "./kernels/index.js";
import { startCpuAndWasm } from "./kernels/testing.js";
import { LanguageModel } from "./models/language-model.js";
import { Rng } from "./random.js";
import { generate, LMStepper, pickToken } from "./sampling.js";

beforeAll(useCpu);

const model = (tied: boolean, cell: "lstm" | "gru" | "elman" = "lstm", hiddenSize = 6) =>
  new LanguageModel({ vocabSize: 12, cell, embeddingSize: 6, hiddenSize, layers: 2, dropout: 0, tied }, 4);

describe("pickToken", () => {
  const logits = [0, 3, 1, 2.5];
  it("greedy and temperature 0 take the argmax; top-k 1 and a tiny top-p are greedy too", () => {
    const rng = new Rng(1);
    expect(pickToken(logits, { maxLength: 1, greedy: true }, rng)).toBe(1);
    expect(pickToken(logits, { maxLength: 1, temperature: 0 }, rng)).toBe(1);
    for (let i = 0; i < 20; i++) expect(pickToken(logits, { maxLength: 1, topK: 1 }, rng)).toBe(1);
    for (let i = 0; i < 20; i++) expect(pickToken(logits, { maxLength: 1, topP: 0.01 }, rng)).toBe(1);
    expect(pickToken(logits, { maxLength: 1, greedy: true, banned: [1] }, rng)).toBe(3);
    for (let i = 0; i < 50; i++) expect([0, 2, 3]).toContain(pickToken(logits, { maxLength: 1, banned: [1] }, rng));
  });

  it("top-k keeps the k most likely; draws follow the softmax", () => {
    const rng = new Rng(2);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[pickToken(logits, { maxLength: 1, topK: 2 }, rng)]!++;
    expect(counts[0]! + counts[2]!).toBe(0);
    const p1 = Math.exp(3) / (Math.exp(3) + Math.exp(2.5));
    expect(counts[1]! / 4000).toBeCloseTo(p1, 1);
  });

  it("plain temperature sampling draws every token with probability softmax(z / T)", () => {
    for (const T of [1, 0.5, 2]) {
      const rng = new Rng(3);
      const counts = [0, 0, 0, 0];
      const n = 20_000;
      for (let i = 0; i < n; i++) counts[pickToken(logits, { maxLength: 1, temperature: T }, rng)]!++;
      const e = Array.from(logits, (z) => Math.exp(z / T));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((x, i) => expect(Math.abs(counts[i]! / n - x / sum), `token ${i} at T=${T}`).toBeLessThan(0.015));
    }
  });
});

describe("generate", () => {
  it("the cached step gives the same logits as a full forward (cpu and wasm: fused layer kernels, or the step loop without the addon)", async () => {
    await startCpuAndWasm();
    const cases = [
      [true, "lstm", 6],
      [false, "gru", 6],
      [false, "gru", 8],
      [false, "elman", 6],
    ] as const; // H = 8: hidden != embedding (untied; tying needs them equal)
    for (const [backend, native] of [
      ["cpu", true],
      ["wasm", true],
      ["wasm", false],
    ] as const)
      for (const [tied, cell, H] of cases) {
        await tf.setBackend(backend);
        setNativeBlas({ enabled: native }); // off: the wasm stepper keeps feature-major states and loops
        const m = model(tied, cell, H);
        const ids = tf.tensor2d([[2, 5, 7]], [1, 3], "int32");
        const { logits, state } = m.forward(ids);
        const stepper = new LMStepper(m);
        let s = stepper.zeroState(1);
        let last: tf.Tensor2D | undefined;
        for (const t of [2, 5, 7]) {
          const x = tf.tensor1d([t], "int32");
          const out = stepper.step(x, s);
          tf.dispose([x, s, last]);
          s = out.state;
          last = out.logits;
        }
        const want = tf.slice(logits, [0, 2, 0], [1, 1, 12]).dataSync();
        Array.from(last!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
        tf.dispose([ids, logits, state, s, last]);
        stepper.dispose();
        m.dispose();
      }
    setNativeBlas({ enabled: true });
    await useCpu();
  });

  it("same seed, same text; n samples at once; stops at </s>", async () => {
    const m = model(true);
    const opts = { start: 2, stop: 3, maxLength: 15, seed: 11, n: 3, temperature: 1.5 };
    const a = await generate(m, opts);
    expect(await generate(m, opts)).toEqual(a);
    expect(a).toHaveLength(3);
    a.forEach((s) => expect(s.length).toBeLessThanOrEqual(15));
    a.forEach((s) => expect(s).not.toContain(3));
    expect(await generate(m, { ...opts, seed: 12 })).not.toEqual(a);
    m.dispose();
  });

  it("minLength: the stop token cannot end a sample before it has that many tokens", async () => {
    const m = model(false);
    // Make the greedy first token the stop token: without minLength the sample ends at once, empty.
    const first = (await generate(m, { start: 2, maxLength: 1, greedy: true }))[0]![0]!;
    expect(await generate(m, { start: 2, stop: first, maxLength: 8, greedy: true })).toEqual([[]]);
    const [one] = await generate(m, { start: 2, stop: first, maxLength: 8, greedy: true, minLength: 1 });
    expect(one!.length).toBeGreaterThanOrEqual(1);
    expect(one![0]).not.toBe(first);
    // The first token is the argmax among the others.
    const ids = tf.tensor2d([[2]], [1, 1], "int32");
    const { logits, state } = m.forward(ids);
    const row = Array.from(logits.dataSync());
    row[first] = -Infinity;
    expect(one![0]).toBe(row.indexOf(Math.max(...row)));
    tf.dispose([ids, logits, state]);
    for (const seed of [1, 2, 3]) {
      const [s] = await generate(m, { start: 2, stop: first, maxLength: 8, seed, temperature: 2, minLength: 3 });
      expect(s!.length).toBeGreaterThanOrEqual(3);
      expect(s!.slice(0, 3)).not.toContain(first);
    }
    m.dispose();
  });

  it("greedy generation continues a prompt with the forward argmax", async () => {
    const m = model(false);
    const [first] = await generate(m, { start: 2, prompt: [5, 6], maxLength: 1, greedy: true });
    const ids = tf.tensor2d([[2, 5, 6]], [1, 3], "int32");
    const { logits, state } = m.forward(ids);
    const argmax = tf.argMax(tf.slice(logits, [0, 2, 0], [1, 1, 12]), 2);
    expect(first).toEqual([argmax.dataSync()[0]]);
    tf.dispose([ids, logits, state, argmax]);
    m.dispose();
  });

  it("does not leak tensors", async () => {
    const m = model(true);
    await expectNoLeak(() => generate(m, { start: 2, prompt: [4], maxLength: 5, n: 2, topP: 0.9, topK: 5, seed: 1 }));
    m.dispose();
  });
});
