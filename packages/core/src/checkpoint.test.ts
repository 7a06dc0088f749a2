import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "./cells/testing.js";
import { decodeCheckpoint, encodeCheckpoint, exportCheckpoint, loadParameters, readTensors } from "./checkpoint.js";
import { DataError } from "./errors.js";
import type { TaggerConfig } from "./models/index.js";
import { createModel, Tagger } from "./models/index.js";

beforeAll(useCpu);

const config: TaggerConfig = { vocabSize: 9, numTags: 3, cell: "lstm", embeddingSize: 4, hiddenSize: 5, layers: 2, bidirectional: true, dropout: 0 };

async function save(m: Tagger) {
  return encodeCheckpoint({
    metadata: { task: "tagger", model: { ...config }, labels: ["<pad>", "A", "B"], step: 3, metrics: { loss: 1.5 } },
    tensors: await readTensors(m.params.entries()),
  });
}

describe("checkpoint", () => {
  it("is a safetensors file with torch names and shapes", async () => {
    const m = new Tagger(config, 1);
    const bytes = await save(m);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header["rnn.weight_ih_l1_reverse"]).toEqual({ dtype: "F32", shape: [20, 10], data_offsets: expect.any(Array) });
    expect(header["encoder.weight"].shape).toEqual([9, 4]);
    expect(header.__metadata__.format).toBe("unroll-checkpoint");
    expect(JSON.parse(header.__metadata__.labels)).toEqual(["<pad>", "A", "B"]);
    const last = Math.max(...Object.values(header).flatMap((h) => (h as { data_offsets?: number[] }).data_offsets ?? [0]));
    expect(8 + n + last).toBe(bytes.length);
    m.dispose();
  });

  it("round trip: bit-identical tensors and outputs", async () => {
    const m = new Tagger(config, 1);
    const bytes = await save(m);
    const ckpt = decodeCheckpoint(bytes);
    expect(ckpt.metadata).toMatchObject({ task: "tagger", step: 3, metrics: { loss: 1.5 }, model: config });
    const loaded = createModel(ckpt.metadata.task, ckpt.metadata.model as unknown as TaggerConfig, 99) as Tagger;
    loadParameters(loaded.params, ckpt.tensors);
    for (const [name, v] of m.params.entries()) expect(loaded.params.get(name).dataSync()).toEqual(v.dataSync());
    const ids = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 5, 0],
      ],
      [2, 3],
      "int32",
    );
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const a = m.forward(ids, mask),
      b = loaded.forward(ids, mask);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(encodeCheckpoint(decodeCheckpoint(bytes))).toEqual(bytes);
    await expectNoLeak(() => readTensors(m.params.entries()));
    await expectNoLeak(() => loadParameters(loaded.params, ckpt.tensors));
    tf.dispose([ids, mask, a, b]);
    m.dispose();
    loaded.dispose();
  });

  it('loads a checkpoint from before the Elman cell was "elman" in the experiment config ("rnn")', async () => {
    const elman = { ...config, cell: "elman" as const };
    const m = new Tagger(elman, 1);
    const tensors = await readTensors(m.params.entries());
    const old = encodeCheckpoint({
      metadata: { task: "tagger", model: { ...elman, cell: "rnn" }, config: { task: "tagger", model: { cell: "rnn", hiddenSize: 5 } }, step: 3, metrics: {} },
      tensors,
    });
    const { metadata } = decodeCheckpoint(old);
    expect(metadata.model).toEqual(elman);
    expect(metadata.config).toEqual({ task: "tagger", model: { cell: "elman", hiddenSize: 5 } });
    const loaded = createModel(metadata.task, metadata.model as unknown as TaggerConfig) as Tagger;
    loadParameters(loaded.params, decodeCheckpoint(old).tensors);
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], "int32");
    const mask = tf.ones([1, 3]) as tf.Tensor2D;
    const a = m.forward(ids, mask),
      b = loaded.forward(ids, mask);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([ids, mask, a, b]);
    m.dispose();
    loaded.dispose();
  });

  it("refuses other files and mismatched models with what to do", async () => {
    expect(() => decodeCheckpoint(new Uint8Array(4))).toThrow(DataError);
    const m = new Tagger(config, 1);
    const ckpt = decodeCheckpoint(await save(m));
    const other = new Tagger({ ...config, hiddenSize: 6 });
    expect(() => loadParameters(other.params, ckpt.tensors)).toThrow(/shape .* the model config differs/);
    m.dispose();
    other.dispose();
  });

  it("exports config.json, vocab.json and a weights-only model.safetensors that carries its tokenizer and labels", async () => {
    const m = new Tagger(config, 1);
    const tensors = await readTensors([...m.params.entries(), ["optimizer.exp_avg.encoder.weight", m.params.get("encoder.weight")]]);
    const files = exportCheckpoint(
      encodeCheckpoint({
        metadata: { task: "tagger", model: { ...config }, labels: ["<pad>", "A", "B"], tokenizer: { kind: "word" }, step: 1, metrics: {} },
        tensors,
      }),
    );
    expect(JSON.parse(files["config.json"])).toMatchObject({ task: "tagger", model: config });
    expect(JSON.parse(files["vocab.json"])).toEqual({ tokenizer: { kind: "word" }, labels: ["<pad>", "A", "B"] });
    const weights = decodeCheckpoint(files["model.safetensors"]);
    expect([...weights.tensors.keys()]).toEqual(m.params.names());
    expect(weights.metadata).toMatchObject({ task: "tagger", model: config, tokenizer: { kind: "word" }, labels: ["<pad>", "A", "B"], step: 1 });
    expect(weights.metadata.trainer).toBeUndefined();
    m.dispose();
  });
});
