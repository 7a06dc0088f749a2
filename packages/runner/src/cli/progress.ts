// A one-line progress bar on stderr (step, loss, tokens/s, ETA); on a non-terminal, a line every
// few seconds instead, so logs stay readable.
import type { TrainEvent } from "@unroll/core";
import { formatDuration, formatNumber } from "./table.js";

export class ProgressBar {
  #total = 0;
  #startedAt = performance.now();
  #firstStep: number | undefined;
  #lastPrint = 0;
  #lastEval = "";
  readonly #tty: boolean;

  constructor(readonly stream: NodeJS.WriteStream = process.stderr) {
    this.#tty = Boolean(stream.isTTY);
  }

  update(event: TrainEvent): void {
    if (event.type === "start") {
      this.#total = event.totalSteps;
      this.#startedAt = performance.now();
      this.stream.write(`training ${formatNumber(event.params)} parameters, ${event.totalSteps} steps\n`);
      return;
    }
    if (event.type === "eval") {
      this.#lastEval = Object.entries(event.metrics)
        .map(([k, v]) => `${event.split} ${k} ${formatNumber(v)}`)
        .join(", ");
      this.#clear();
      const weights = event.weightsStep !== undefined && event.weightsStep !== event.step ? ` (the best validation's weights, step ${event.weightsStep})` : "";
      this.stream.write(`step ${event.step}: ${this.#lastEval}${weights}\n`);
      return;
    }
    if (event.type === "sample") {
      this.#clear();
      this.stream.write(`step ${event.step} sample${event.prompt ? ` [${event.prompt}]` : ""}: ${event.text.slice(0, 200).replace(/\n/g, "⏎")}\n`);
      return;
    }
    if (event.type === "end") {
      this.#clear();
      if (event.reason === "stopped early") {
        const best = event.metrics.best_step;
        this.stream.write(
          `stopped early at step ${event.step}: train.patience validations in a row without improvement${best !== undefined ? ` (the best at step ${best})` : ""}\n`,
        );
      }
      return;
    }
    if (event.type !== "step") return;
    this.#firstStep ??= event.step - 1;
    const now = performance.now();
    if (now - this.#lastPrint < (this.#tty ? 100 : 5000) && event.step !== this.#total) return;
    this.#lastPrint = now;
    const done = event.step - this.#firstStep;
    const perStep = (now - this.#startedAt) / 1000 / Math.max(done, 1);
    const eta = formatDuration((this.#total - event.step) * perStep);
    const frac = this.#total > 0 ? Math.min(event.step / this.#total, 1) : 0;
    const width = 24;
    const bar = "█".repeat(Math.round(frac * width)).padEnd(width, "·");
    const text = `${bar} ${event.step}/${this.#total} loss ${formatNumber(event.loss)} ${formatNumber(Math.round(event.tokensPerSecond))} tok/s ETA ${eta}`;
    if (this.#tty) this.stream.write(`\r\x1b[2K${text}`);
    else this.stream.write(`${text}\n`);
  }

  #clear(): void {
    if (this.#tty) this.stream.write("\r\x1b[2K");
  }
}
