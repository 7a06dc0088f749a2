// The diagnostics a trainer takes at each evaluation, on a fixed probe batch of the task's
// validation data (its training data when it has none), so that evaluations compare like with like.
//   lm: the second validation chunk, from the state carried out of the first (the carried
//       initial state is part of what is measured); tagger, classifier: the batch of the longest
//       validation sequences (the most positions), at most PROBE_SEQUENCES of them.
import * as tf from "@tensorflow/tfjs-core";
import { disposeState } from "../layers/stacked.js";
import { bucketBatches, padBatch } from "../train/batching.js";
import { LMTask } from "../train/lm-task.js";
import { ClassifierTask, TaggerTask } from "../train/sequence-tasks.js";
import type { Task } from "../train/task.js";
import type { GradThroughTime } from "./grad-through-time.js";
import type { LossByPosition } from "./loss-by-position.js";
import { classifierGradThroughTime, lmGradThroughTime, taggerGradThroughTime } from "./grad-through-time.js";

export const PROBE_SEQUENCES = 8;

/** What a "diagnostics" train event carries. */
export interface Diagnostics {
  gradNorm?: GradThroughTime;
  /** From the validation just run (not the probe batch): lm and tagger. */
  lossByPosition?: LossByPosition;
}

/** Everything the trainer reports at a validation (train.diagnostics), right after task.evaluate("valid"). */
export async function probeDiagnostics(task: Task): Promise<Diagnostics> {
  const gradNorm = await probeGradThroughTime(task);
  const lossByPosition = task.lossByPosition?.("valid");
  return { ...(gradNorm ? { gradNorm } : {}), ...(lossByPosition ? { lossByPosition } : {}) };
}

/** Gradient norm through time on the task's probe batch (undefined: no data to probe). */
export async function probeGradThroughTime(task: Task): Promise<GradThroughTime | undefined> {
  if (task instanceof LMTask) {
    const chunks = task.probeChunks();
    const probe = chunks[chunks.length - 1];
    if (!probe) return undefined;
    const ids2d = (c: typeof probe, which: "ids" | "targets") => tf.tensor2d(c[which], [c.batch, c.time], "int32");
    // the state carried into the probe chunk (values only: no gradient flows into the first chunk)
    const state = chunks.length > 1 ? tf.tidy(() => task.model.forward(ids2d(chunks[0]!, "ids")).state) : undefined;
    const ids = ids2d(probe, "ids"),
      targets = ids2d(probe, "targets");
    try {
      return await lmGradThroughTime(task.model, ids, targets, state);
    } finally {
      tf.dispose([ids, targets]);
      disposeState(state);
    }
  }
  if (task instanceof TaggerTask || task instanceof ClassifierTask) {
    const examples = task.data.valid?.length ? task.data.valid : task.data.train;
    const longest = bucketBatches(examples, task.options.batchSize).at(-1)?.slice(-PROBE_SEQUENCES);
    if (!longest?.length) return undefined;
    const b = padBatch(examples, longest);
    const ids = tf.tensor2d(b.ids, [b.batch, b.time], "int32"),
      mask = tf.tensor2d(b.mask, [b.batch, b.time], "float32");
    const target = task instanceof TaggerTask ? tf.tensor2d(b.tags as Int32Array, [b.batch, b.time], "int32") : tf.tensor1d(b.labels as Int32Array, "int32");
    try {
      return task instanceof TaggerTask
        ? await taggerGradThroughTime(task.tagger, ids, target as tf.Tensor2D, mask, b.words)
        : await classifierGradThroughTime(task.classifier, ids, target as tf.Tensor1D, mask, b.words);
    } finally {
      tf.dispose([ids, mask, target]);
    }
  }
  return undefined;
}
