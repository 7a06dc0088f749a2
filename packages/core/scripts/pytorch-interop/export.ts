// Exports tiny trained LMs (tied 2-layer LSTM, 2-layer GRU, relu Elman) the way `unroll export`
// does, with Unroll's per-token log-probabilities of one sentence, for check.py to compare with
// PyTorch's nn.LSTM / nn.GRU / nn.RNN loaded from the same files (packages/core/CHECKPOINT.md).
//   npx tsx scripts/pytorch-interop/export.ts /tmp/interop && python3 scripts/pytorch-interop/check.py /tmp/interop
import { mkdirSync, writeFileSync } from "node:fs";
import { initBackend, runExperiment, loadModel, exportCheckpoint } from "@unroll/core";
const dir = process.argv[2] ?? "/tmp/unroll-interop";
mkdirSync(dir, { recursive: true });
await initBackend({ backend: "cpu" });
const results: Record<string, unknown> = {};
for (const [name, model] of Object.entries({ lstm_tied: { cell: "lstm", layers: 2, embeddingSize: 16, hiddenSize: 16, tied: true }, gru: { cell: "gru", layers: 2, embeddingSize: 8, hiddenSize: 16 }, elman_relu: { cell: "elman", activation: "relu", embeddingSize: 12, hiddenSize: 12 } })) {
  let last: Uint8Array | undefined;
  await runExperiment({ task: "lm", data: { corpus: "tiny-shakespeare" }, model, train: { maxSteps: 3, batchSize: 4, bptt: 16, evalEvery: 0, evalBatches: 1, sampleEvery: 0 } }, { onEvent: (e) => { if (e.type === "checkpoint" && e.kind === "last") last = e.data; } });
  const files = exportCheckpoint(last!);
  writeFileSync(`${dir}/${name}.safetensors`, files["model.safetensors"]);
  const m = loadModel(last!);
  const s = await m.score!("To be, or not");
  const v = m.tokenizer.vocabulary;
  const ids = m.tokenizer.encode("To be, or not");
  results[name] = { logProbs: s.tokens.map((t) => t.logProb), input: [v.idOf("\n"), ...ids], targets: [...ids, v.idOf("\n")], model };
  m.dispose();
}
writeFileSync(`${dir}/unroll.json`, JSON.stringify(results));
console.log("ok");

