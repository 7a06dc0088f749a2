// The README's notebook example, as a script: `npx tsx scripts/quickstart.ts [steps]`.
import { initBackend, loadModel, runExperiment } from "@unroll/core";

const steps = Number(process.argv[2] ?? 500);
console.log(await initBackend()); // which backend, device and threads were chosen

let checkpoint: Uint8Array | undefined;
await runExperiment(
  {
    task: "lm",
    data: { corpus: "tiny-shakespeare" }, // ships with Unroll
    model: { cell: "lstm", embeddingSize: 128, hiddenSize: 128, tied: true },
    train: { maxSteps: steps, evalEvery: 100, evalBatches: 10 },
  },
  {
    onEvent: (e) => {
      if (e.type === "start") console.log(`${e.params} parameters`);
      if (e.type === "step" && e.step % 50 === 0) console.log(`step ${e.step} loss ${e.loss.toFixed(3)} ${e.tokensPerSecond.toFixed(0)} tok/s`);
      if (e.type === "eval") console.log(`step ${e.step} ${e.split} perplexity ${e.metrics.perplexity?.toFixed(2)}`);
      if (e.type === "checkpoint" && e.kind === "last") checkpoint = e.data;
    },
  },
);

const model = loadModel(checkpoint!);
const [text] = await model.generate!({ prompt: "ROMEO:", maxLength: 300, temperature: 0.8, seed: 1 });
console.log(text);
const { logProb, perplexity } = await model.score!("To be, or not to be");
console.log({ logProb, perplexity });
model.dispose();
