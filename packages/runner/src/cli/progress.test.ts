import { describe, expect, it } from "vitest";
import { ProgressBar } from "./progress.js";

function bar() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream;
  return { progress: new ProgressBar(stream), lines };
}

describe("ProgressBar", () => {
  it("says whose weights the test split was scored with, and why training stopped early", () => {
    const { progress, lines } = bar();
    progress.update({ type: "start", step: 0, params: 10, totalSteps: 100, config: {} });
    progress.update({ type: "eval", step: 40, epoch: 1, split: "valid", metrics: { loss: 1.5 } });
    progress.update({ type: "eval", step: 40, epoch: 1, split: "test", metrics: { loss: 1.25 }, weightsStep: 20 });
    progress.update({ type: "end", step: 40, reason: "stopped early", metrics: { best_step: 20 } });
    expect(lines.slice(1)).toEqual([
      "step 40: valid loss 1.5\n",
      "step 40: test loss 1.25 (the best validation's weights, step 20)\n",
      "stopped early at step 40: train.patience validations in a row without improvement (the best at step 20)\n",
    ]);
  });

  it("says nothing more when the last weights were the best, or training completed", () => {
    const { progress, lines } = bar();
    progress.update({ type: "eval", step: 40, epoch: 1, split: "test", metrics: { loss: 1.25 }, weightsStep: 40 });
    progress.update({ type: "end", step: 40, reason: "completed", metrics: {} });
    expect(lines).toEqual(["step 40: test loss 1.25\n"]);
  });
});
