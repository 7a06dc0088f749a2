import { beforeAll, describe, expect, it } from "vitest";
import { expectNoLeak, useCpu } from "../cells/testing.js";
import type { CellKind } from "../cells/index.js";
import { LanguageModel, Tagger } from "../models/index.js";
import { Rng } from "../random.js";
import { LMTask } from "../train/lm-task.js";
import { TaggerTask } from "../train/sequence-tasks.js";
import type { TrainEvent } from "../train/events.js";
import { train } from "../train/trainer.js";
import { PROBE_SEQUENCES, probeGradThroughTime } from "./probe.js";

beforeAll(useCpu);

// A period-12 stream of random tokens: the next token is set by the context, not by one token.
const period = (() => {
  const rng = new Rng(5);
  return Array.from({ length: 12 }, () => 4 + rng.int(5));
})();
const stream = (n: number) => Int32Array.from({ length: n }, (_, i) => period[i % period.length]!);
const lmTask = (cell: CellKind) =>
  new LMTask(
    new LanguageModel({ vocabSize: 9, cell, embeddingSize: 8, hiddenSize: 8, layers: 1, dropout: 0, tied: false }, 1),
    { train: stream(1200), valid: stream(400) },
    { batchSize: 4, bptt: 20 },
  );

/** Mean decrease of ln ||dL/dh_t|| per step of distance from the loss (layer 0). */
function decayPerStep(norms: number[]): number {
  return Math.log(norms[norms.length - 1]! / norms[0]!) / (norms.length - 1);
}

describe("probeGradThroughTime", () => {
  it("after training on the same data, ||dL/dh_t|| of an Elman tanh model decays faster with distance than an LSTM's", async () => {
    const decay: Partial<Record<CellKind, number>> = {};
    for (const cell of ["elman", "lstm"] as const) {
      const task = lmTask(cell);
      await train({
        task,
        config: { optimizer: "adam", lr: 0.01, clip: 1, epochs: 100, maxSteps: 100, seed: 7, evalEvery: 0 },
        meta: { task: "lm", model: {} },
        onEvent: () => {},
      });
      const g = await probeGradThroughTime(task);
      expect(g?.positions).toBe(19); // the second validation chunk: rows 20..38 of 40
      expect(g?.rows[0]?.initial).toBeGreaterThan(0); // the carried state gets a gradient
      decay[cell] = decayPerStep(g!.rows[0]!.norms);
      task.dispose();
      task.model.dispose();
    }
    // measured: Elman tanh ~1.6 (a factor 5 per step), LSTM ~0.7 (a factor 2)
    expect(decay.elman!).toBeGreaterThan(decay.lstm! + 0.4);
  }, 60_000);

  it("tagger: the longest validation batch, at most PROBE_SEQUENCES sentences; no leaks", async () => {
    const sentence = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => 1 + (i % 5)), tags: Array.from({ length: n }, (_, i) => i % 3) });
    const valid = Array.from({ length: 20 }, (_, i) => sentence(2 + (i % 7)));
    const tagger = new Tagger({ vocabSize: 8, numTags: 3, cell: "lstm", embeddingSize: 4, hiddenSize: 4, layers: 1, bidirectional: true, dropout: 0 }, 1);
    const task = new TaggerTask(tagger, { train: valid, valid }, { batchSize: 10, seed: 1 });
    const g = await probeGradThroughTime(task);
    expect(g).toMatchObject({ positions: 8, batch: PROBE_SEQUENCES });
    await expectNoLeak(() => probeGradThroughTime(task));
    const lm = lmTask("gru");
    await expectNoLeak(() => probeGradThroughTime(lm));
    lm.dispose();
    lm.model.dispose();
    tagger.dispose();
  });

  it("train() emits a diagnostics event after each validation when train.diagnostics is on, none when off", async () => {
    for (const diagnostics of [true, false]) {
      const task = lmTask("elman");
      const events: TrainEvent[] = [];
      await train({
        task,
        config: { optimizer: "adam", lr: 0.01, epochs: 1, maxSteps: 6, seed: 7, evalEvery: 3, diagnostics },
        meta: { task: "lm", model: {} },
        onEvent: (e) => void events.push(e),
      });
      const seen = events.flatMap((e) =>
        e.type === "eval" && e.split === "valid"
          ? [`eval@${e.step}`]
          : e.type === "diagnostics"
            ? [`diagnostics@${e.step}:${e.gradNorm?.rows.length}x${e.gradNorm?.positions},${e.lossByPosition?.loss.length}`]
            : [],
      );
      expect(seen).toEqual(diagnostics ? ["eval@3", "diagnostics@3:1x19,20", "eval@6", "diagnostics@6:1x19,20"] : ["eval@3", "eval@6"]);
      task.dispose();
      task.model.dispose();
    }
  });
});
