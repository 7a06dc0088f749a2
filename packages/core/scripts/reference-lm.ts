// Training speed of the reference LM, pytorch/examples word_language_model with its defaults:
// 2-layer LSTM, vocab 10k, emb 200, hidden 200, bptt 35, batch 20, SGD lr 20, clip 0.25.
// Synthetic tokens (speed does not depend on the text).
//
//   npx tsx scripts/reference-lm.ts [--backend=wasm|cpu] [--steps=20] [--cell=lstm] [--tied]
import { initBackend } from "../src/backend.js";
import type { BackendName } from "../src/backend.js";
import { LanguageModel } from "../src/models/language-model.js";
import { Rng } from "../src/random.js";
import { LMTask } from "../src/train/lm-task.js";
import { train } from "../src/train/trainer.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string | undefined]));
const steps = Number(args.get("steps") ?? 20);
const info = await initBackend({ backend: (args.get("backend") as BackendName | undefined) ?? "wasm" });
const V = 10_000;
const rng = new Rng(1);
const tokens = Int32Array.from({ length: 20 * 35 * (steps + 2) }, () => rng.int(V));
const model = new LanguageModel(
  {
    vocabSize: V,
    cell: (args.get("cell") as "lstm" | undefined) ?? "lstm",
    embeddingSize: 200,
    hiddenSize: 200,
    layers: 2,
    dropout: 0.2,
    tied: args.has("tied"),
  },
  1,
);
const task = new LMTask(model, { train: tokens }, { batchSize: 20, bptt: 35 });
let last = 0;
await train({
  task,
  config: { optimizer: "sgd", lr: 20, clip: 0.25, epochs: 1, maxSteps: steps, seed: 1, checkpointEvery: 0 },
  meta: { task: "lm", model: { ...model.config } },
  onEvent: (e) => {
    if (e.type === "step" && e.step > 2) last = e.tokensPerSecond; // the first steps include warm-up
    if (e.type === "step" && e.step % 5 === 0) console.log(`step ${e.step}: loss ${e.loss.toFixed(3)}, ${e.tokensPerSecond.toFixed(0)} tokens/s`);
  },
});
console.log(`${info.name}: ${last.toFixed(0)} tokens/s (reference LM, ${model.params.count()} parameters)`);
task.dispose();
model.dispose();
