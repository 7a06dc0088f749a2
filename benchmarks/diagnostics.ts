// What train.diagnostics costs (issue 15): the gradient norm through time on the probe batch at
// each validation, against the training it rides on, at the default settings (the two-line
// tiny-shakespeare config: char LSTM, 64/128, batch 32, bptt 64, adam, evalEvery 200). One run
// of --steps steps with diagnostics on; the trainer emits "diagnostics" right after each
// validation's "eval" event, so the time between the two is what the probe took.
//   cost = probe time per validation / (evalEvery x median step time + validation time)
//
//   node benchmarks/run.mjs diagnostics [--steps 1500] [--epochs 3] [--backend wasm|cpu]
// Last line: one JSON object.
import { initBackend, runExperiment, type BackendName } from "@unroll/core";
import { machine, median, parseArgs, round } from "./lib/common.js";

const args = parseArgs();
const steps = Number(args.get("steps") ?? 1500);
const epochs = Number(args.get("epochs") ?? 3);
const backend = (args.get("backend") ?? "wasm") as BackendName;
const info = await initBackend({ backend });
const before = machine();
const config = { task: "lm", data: { corpus: "tiny-shakespeare" }, train: { maxSteps: steps, epochs } }; // 491 steps an epoch
let last = performance.now();
const stepMs: number[] = [];
const evalMs: number[] = [];
const probeMs: number[] = [];
let evalAt = 0;
const t0 = performance.now();
await runExperiment(config, {
  onEvent: (e) => {
    const now = performance.now();
    if (e.type === "step")
      stepMs.push(now - last); // since the event before: the step alone
    else if (e.type === "eval" && e.split === "valid") {
      evalMs.push(now - last); // from the step event before it: the validation pass
      evalAt = now;
    } else if (e.type === "diagnostics") probeMs.push(now - evalAt);
    last = now;
  },
});
const wallS = (performance.now() - t0) / 1000;
const evalEvery = 200;
const step = median(stepMs.slice(3)); // after warm-up
const probe = median(probeMs);
const validation = median(evalMs);
const costPercent = (100 * probe) / (evalEvery * step + validation);
console.log(
  `steps ${stepMs.length}: median step ${step.toFixed(1)} ms; validation ${validation.toFixed(0)} ms; probe ${probeMs.map((x) => x.toFixed(0)).join(", ")} ms -> ${costPercent.toFixed(2)} % of training between validations`,
);
console.log(
  JSON.stringify({
    benchmark: "diagnostics",
    backend: info.name,
    device: info.device,
    steps: stepMs.length,
    evalEvery,
    medianStepMs: round(step),
    validationMs: round(validation),
    probeMs: probeMs.map(round),
    costPercent: round(costPercent),
    wallS: round(wallS),
    load: { before: before.load, after: machine().load },
  }),
);
