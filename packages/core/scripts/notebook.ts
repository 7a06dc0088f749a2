// Notebook: tied vs untied character LSTM language models on tiny Shakespeare (karpathy/char-rnn),
// trained briefly, then sampled. Weight tying (Press & Wolf 2017) saves |V| x d parameters.
//
//   npx tsx scripts/notebook.ts [--steps=150] [--backend=wasm|cpu] [--hidden=128]
//
// Prints the parameter counts, the loss curve, validation perplexity, tokens/s and samples.
import { initBackend } from "../src/backend.js";
import type { BackendName } from "../src/backend.js";
import { runExperiment } from "../src/experiment.js";
import type { TrainEvent } from "../src/train/events.js";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string | undefined]));
const steps = Number(args.get("steps") ?? 150);
const hidden = Number(args.get("hidden") ?? 128);
const info = await initBackend({ backend: (args.get("backend") as BackendName | undefined) ?? "wasm" });
console.log(`backend: ${info.name}`);

// 1. One config, two variants: the only difference is model.tied.
const base = {
  task: "lm",
  data: { corpus: "tiny-shakespeare" },
  model: { cell: "lstm", layers: 1, embeddingSize: hidden, hiddenSize: hidden, dropout: 0 },
  train: {
    optimizer: "adam",
    lr: 0.005,
    clip: 5,
    batchSize: 32,
    bptt: 64,
    maxSteps: steps,
    evalEvery: steps,
    evalBatches: 20,
    sampleEvery: 0,
    checkpointEvery: 0,
    seed: 42,
  },
  sample: { prompts: ["ROMEO:"], maxLength: 200, temperature: 0.8, seed: 1 },
};

const results: Record<string, { params: number; tokensPerSecond: number; valid: number; sample: string }> = {};
for (const tied of [false, true]) {
  const name = tied ? "tied" : "untied";
  const row = { params: 0, tokensPerSecond: 0, valid: NaN, sample: "" };
  // 2. Train, printing every 25th step of the event stream.
  const onEvent = (e: TrainEvent) => {
    if (e.type === "start") row.params = e.params;
    if (e.type === "step") {
      row.tokensPerSecond = e.tokensPerSecond;
      if (e.step % 25 === 0 || e.step === 1) console.log(`${name} step ${e.step}: loss ${e.loss.toFixed(3)} (${e.tokensPerSecond.toFixed(0)} tokens/s)`);
    }
    if (e.type === "eval" && e.split === "valid") row.valid = e.metrics.perplexity ?? NaN;
    if (e.type === "sample") row.sample = e.text;
  };
  await runExperiment({ ...base, model: { ...base.model, tied }, train: { ...base.train, sampleEvery: steps } }, { onEvent });
  results[name] = row;
}

// 3. Compare: tying removes exactly |V| x d parameters.
console.table(
  Object.fromEntries(
    Object.entries(results).map(([k, r]) => [k, { params: r.params, "valid ppl": r.valid.toFixed(2), "tokens/s": r.tokensPerSecond.toFixed(0) }]),
  ),
);
console.log(`untied - tied = ${(results.untied?.params ?? 0) - (results.tied?.params ?? 0)} parameters (|V| x d)`);
for (const [k, r] of Object.entries(results)) console.log(`\n--- ${k} sample ---\n${r.sample}`);
