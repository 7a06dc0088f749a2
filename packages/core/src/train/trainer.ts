// One training loop for every task (word_language_model `train()` generalised):
//   for each batch: loss = CE(model(batch)); g = grad(loss); clip ||g|| <= clip; p <- update(p, g)
//   validate every `evalEvery` steps and at the end of each epoch, judged by the task's main metric
//   (selection.ts): keep the best weights as a checkpoint; after `lrPatience` validations without
//   improvement, lr <- lr / lrDecay (word_language_model divides by 4 at once); after `patience`,
//   stop early. The test split is scored with the best validation's weights, as papers report.
// Deterministic: weight init, dropout masks and batch order come from the seed through our own
// PRNG, and a checkpoint holds everything needed to continue the same curve (weights, optimizer
// state, step, lr, the dropout generator's state, the data position and the LM's carried state).
// Reads (device-reads.ts): on cpu and wasm each step's loss is read and checked before its update.
// On a device backend a step reads nothing back (the clip factor stays on the device) and its loss
// is read while the device runs the next step, so the "step" event of step n comes after step
// n + 1 was queued, and a NaN loss at step n stops the run then (its weights are not saved);
// validations, samples and checkpoints still see every step before them reported.
import * as tf from "@tensorflow/tfjs-core";
import type { Checkpoint, CheckpointMetadata } from "../checkpoint.js";
import { decodeCheckpoint, encodeCheckpoint, loadParameters, readTensors, tensorsUnder } from "../checkpoint.js";
import { probeDiagnostics } from "../diagnostics/probe.js";
import { throwIfDeviceError } from "../device-errors.js";
import { BackendError, ConfigError, TrainingError } from "../errors.js";
import { deriveSeed, Rng } from "../random.js";
import { readsAreFree } from "./device-reads.js";
import { yieldToEventLoop } from "./event-loop.js";
import type { Sample, TrainEvent } from "./events.js";
import type { Gradients, Optimizer } from "./optimizers.js";
import { clipScale, createOptimizer, disposeScale } from "./optimizers.js";
import { BestWeights, emptySelection, judge, type SelectionState } from "./selection.js";
import type { Task } from "./task.js";

export interface TrainConfig {
  optimizer: "sgd" | "adam";
  lr: number;
  /** Max global gradient norm (0 or absent: no clipping). */
  clip?: number;
  /** Divide lr by this when the main metric stops improving (1 or absent: never). */
  lrDecay?: number;
  /** Validations without improvement tolerated before lr is divided (absent: 0, at once). */
  lrPatience?: number;
  /** Stop after this many validations in a row without improvement (0 or absent: never). */
  patience?: number;
  epochs: number;
  maxSteps?: number;
  seed: number;
  /** Validate every n steps (0: only at the end of each epoch). */
  evalEvery?: number;
  sampleEvery?: number;
  /** Emit a "last" checkpoint every n steps (0: only at the end). */
  checkpointEvery?: number;
  evalBatches?: number;
  /** At each validation, the diagnostics (gradient norm through time) on a fixed probe batch: diagnostics/probe.ts. */
  diagnostics?: boolean;
}

export interface TrainOptions {
  task: Task;
  config: TrainConfig;
  onEvent: (e: TrainEvent) => void | Promise<void>;
  signal?: AbortSignal;
  /** Continue from this checkpoint (its weights, optimizer and trainer state replace the current ones). */
  resume?: Uint8Array | Checkpoint;
  /**
   * With `resume`: the run's best checkpoint, whose weights score the test split at the end when
   * no better validation comes after the resume. Without it, such a run is tested with its last weights.
   */
  resumeBest?: Uint8Array | Checkpoint;
  /** What every checkpoint carries besides weights: task, model config, experiment config, tokenizer, labels. */
  meta: Omit<CheckpointMetadata, "step" | "metrics" | "trainer">;
  /** Text samples to report every `sampleEvery` steps (language models). */
  sample?: (step: number) => Promise<Sample[]>;
  /** Reported in the "start" event (the experiment config). */
  startConfig?: unknown;
}

/** Where training stands; stored in checkpoints as `trainer`. */
export interface TrainerState {
  step: number;
  epoch: number;
  /** Next batch within the epoch. */
  index: number;
  lr: number;
  tokens: number;
  /** The best validation (by the task's main metric) and the validations since; see selection.ts. */
  selection: SelectionState;
  /** Dropout generator state. */
  rng: number;
  optimizer: "sgd" | "adam";
  optimizerStep: number;
}

export interface TrainResult {
  step: number;
  /** "stopped early": `patience` validations without improvement. */
  reason: "completed" | "aborted" | "stopped early";
  metrics: Record<string, number>;
}

export async function train({ task, config, onEvent, signal, resume, resumeBest, meta, sample, startConfig }: TrainOptions): Promise<TrainResult> {
  // tfjs-core registers no gradients by itself; initBackend() (backend.ts) loads them.
  if (tf.getGradient("BatchMatMul") === undefined) throw new BackendError("no gradients are registered; call initBackend() before training");
  if (!(config.lr > 0)) throw new ConfigError(`lr must be positive, got ${config.lr}`, "train.lr");
  const perEpoch = task.batchCount();
  if (perEpoch < 1) throw new ConfigError("the training data makes no batch; add data or lower train.batchSize", "train.batchSize");
  const totalSteps = Math.min(config.maxSteps ?? Infinity, config.epochs * perEpoch);
  const optimizer: Optimizer = createOptimizer(config.optimizer, config.lr);
  const s: TrainerState = {
    step: 0,
    epoch: 1,
    index: 0,
    lr: config.lr,
    tokens: 0,
    selection: emptySelection(),
    rng: deriveSeed(config.seed, 2),
    optimizer: config.optimizer,
    optimizerStep: 0,
  };
  const ckpt = resume ? asCheckpoint(resume) : undefined;
  if (ckpt) restore(ckpt, task, optimizer, s);
  const main = task.mainMetric;
  const judging = { lrDecay: config.lrDecay ?? 1, lrPatience: config.lrPatience ?? 0, patience: config.patience ?? 0 };
  const best = new BestWeights();
  if (ckpt && resumeBest) {
    const bestCkpt = asCheckpoint(resumeBest);
    if (bestCkpt.metadata.step === s.selection.best?.step) best.set(paramTensors(bestCkpt, task), bestCkpt.metadata.step);
  }
  optimizer.lr = s.lr;
  const rng = new Rng(s.rng);
  const names = new Map(task.params.entries().map(([name, v]) => [v.name, name]));
  let metrics: Record<string, number> = {};
  let sessionTokens = 0;
  let sessionSeconds = 0;

  const checkpoint = async (kind: "best" | "last", m: Record<string, number>) => {
    const trainer: TrainerState = { ...s, rng: rng.state, lr: optimizer.lr, optimizerStep: optimizer.step };
    const tensors = await readTensors([
      ...task.params.entries(),
      ...[...optimizer.state()].map(([n, t]) => [`optimizer.${n}`, t] as [string, tf.Tensor]),
      ...[...task.carried()].map(([n, t]) => [`train.${n}`, t] as [string, tf.Tensor]),
    ]);
    const data = encodeCheckpoint({ metadata: { ...meta, step: s.step, metrics: m, trainer: { ...trainer } }, tensors });
    await onEvent({ type: "checkpoint", step: s.step, kind, metrics: m, data });
  };

  /** Validates and judges; true when training should stop early. */
  const validate = async (): Promise<boolean> => {
    if (!task.hasSplit("valid")) return false;
    const m = await task.evaluate("valid", config.evalBatches);
    throwIfDeviceError(); // judge and keep no weights from a failed GPU computation
    metrics = { ...metrics, ...prefixed("valid", m) };
    await onEvent({ type: "eval", step: s.step, epoch: s.epoch, split: "valid", metrics: m });
    const report = task.taggingReport?.("valid");
    if (report) await onEvent({ type: "tagReport", step: s.step, split: "valid", report });
    if (config.diagnostics) await onEvent({ type: "diagnostics", step: s.step, ...(await probeDiagnostics(task)) });
    const verdict = judge(s.selection, m[main.key] ?? Number.NaN, s.step, main, judging);
    if (verdict.improved) {
      best.keep(task.params, s.step);
      await checkpoint("best", m);
      return false;
    }
    if (verdict.decayLr) {
      optimizer.lr /= judging.lrDecay; // word_language_model: lr /= 4.0 when validation stops improving
      s.lr = optimizer.lr;
    }
    return verdict.stop;
  };

  try {
    await onEvent({ type: "start", step: s.step, params: task.params.count(), totalSteps, config: startConfig ?? config });
    if (ckpt && s.index > 0) {
      // Resuming mid-epoch: the same batch order, and the LM state where it was.
      task.beginEpoch(s.epoch);
      const carried = tensorsUnder(ckpt.tensors, "train");
      task.restoreCarried(carried);
      tf.dispose([...carried.values()]);
    }
    let aborted = false;
    let stoppedEarly = false;
    let validatedAt = -1;
    const lagged = !readsAreFree(); // device backends: report each step's loss one step late
    let pending: Reported | undefined; // a step queued whose "step" event has not been sent
    /** Sends the pending step's event once its loss is read; throws DeviceError after a GPU error, TrainingError on a NaN or infinite loss. */
    const report = async () => {
      if (!pending) return;
      const { step, epoch, lr, tokens, sessionTokens: sent, loss: reading } = pending;
      pending = undefined;
      const t0 = performance.now();
      const value = await reading;
      throwIfDeviceError(); // a shader that failed on the GPU leaves zeros, not an exception
      const loss = finiteLoss(value, lr, step);
      sessionSeconds += (performance.now() - t0) / 1000;
      metrics.train_loss = loss;
      await onEvent({ type: "step", step, epoch, loss, lr, tokens, tokensPerSecond: sent / Math.max(sessionSeconds, 1e-9) });
    };
    while (s.step < totalSteps) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      if (s.index === 0) task.beginEpoch(s.epoch);
      const t0 = performance.now();
      const { loss } = await trainStep(task, s.index, rng, optimizer, names, config.clip ?? 0, s.step + 1, lagged);
      sessionSeconds += (performance.now() - t0) / 1000;
      const tokens = task.tokens(s.index);
      s.tokens += tokens;
      sessionTokens += tokens;
      s.step++;
      s.index++;
      await report(); // the step before (lagged), read while the device runs this one
      pending = { step: s.step, epoch: s.epoch, lr: optimizer.lr, tokens: s.tokens, sessionTokens, loss };
      if (!lagged) await report();
      await yieldToEventLoop(); // heartbeats, metric flushes and cancels run between steps
      const epochDone = s.index >= perEpoch;
      const validating = (!!config.evalEvery && s.step % config.evalEvery === 0) || epochDone;
      const sampling = sample !== undefined && !!config.sampleEvery && s.step % config.sampleEvery === 0;
      const checkpointing = !!config.checkpointEvery && s.step % config.checkpointEvery === 0 && s.step < totalSteps;
      if (validating || sampling || checkpointing) await report(); // what follows sees this step reported
      if (validating) {
        stoppedEarly = await validate();
        validatedAt = s.step;
      }
      if (epochDone) {
        s.epoch++;
        s.index = 0;
      }
      if (sampling) {
        for (const x of await sample!(s.step)) await onEvent({ type: "sample", step: s.step, ...x });
      }
      if (stoppedEarly) break;
      if (checkpointing) await checkpoint("last", metrics);
    }
    await report();
    if (!aborted) {
      if (validatedAt !== s.step) await validate();
      if (task.hasSplit("test")) {
        // The best validation's weights (the last ones when there is no validation split).
        const weightsStep = best.step ?? s.step;
        const evaluate = () => task.evaluate("test", config.evalBatches);
        const m = best.step !== undefined ? await best.with(task.params, evaluate) : await evaluate();
        metrics = { ...metrics, ...prefixed("test", m) };
        await onEvent({ type: "eval", step: s.step, epoch: s.epoch, split: "test", metrics: m, weightsStep });
        const report = task.taggingReport?.("test");
        if (report) await onEvent({ type: "tagReport", step: s.step, split: "test", report, weightsStep });
      }
    }
    throwIfDeviceError();
    if (s.selection.best) {
      metrics.best_step = s.selection.best.step;
      metrics[`best_valid_${main.key}`] = s.selection.best.value;
    }
    await checkpoint("last", metrics);
    const reason = aborted ? "aborted" : stoppedEarly ? "stopped early" : "completed";
    await onEvent({ type: "end", step: s.step, reason, metrics });
    return { step: s.step, reason, metrics };
  } finally {
    task.endStep(false);
    optimizer.dispose();
    best.dispose();
  }
}

/** A step queued, for its "step" event: what the trainer knew when it was queued, and its loss to come. */
interface Reported {
  step: number;
  epoch: number;
  lr: number;
  tokens: number;
  sessionTokens: number;
  loss: Promise<number>;
}

/**
 * One optimizer step: forward and backward under the tape, then the clipped update. Where reads
 * are free (`lagged` false) the loss is read and checked first, so a NaN or infinite loss throws
 * TrainingError and updates nothing; on a device backend nothing is read here and `loss` resolves
 * once the device gets there (the trainer's report checks it).
 */
async function trainStep(
  task: Task,
  index: number,
  rng: Rng,
  optimizer: Optimizer,
  names: Map<string, string>,
  clip: number,
  step: number,
  lagged: boolean,
): Promise<{ loss: Promise<number> }> {
  const { value, grads } = tf.variableGrads(() => task.loss(index, rng), task.params.trainable());
  const loss = readLoss(value);
  if (!lagged) {
    try {
      finiteLoss(await loss, optimizer.lr, step);
    } catch (err) {
      tf.dispose(grads);
      task.endStep(false);
      throw err;
    }
  }
  const named: Gradients = new Map(Object.entries(grads).map(([k, g]) => [names.get(k) ?? k, g]));
  // clipping folds into the update as a factor (no clipped copies of the gradients)
  const scale = clip > 0 ? clipScale(named, clip) : 1;
  optimizer.apply(task.params, named, scale);
  disposeScale(scale);
  tf.dispose(grads);
  task.endStep(true);
  return { loss };
}

/** The loss's value once read (the scalar is released then); marked handled, as it may be awaited a step later. */
function readLoss(value: tf.Scalar): Promise<number> {
  const loss = value
    .data()
    .then((d) => d[0] as number)
    .finally(() => value.dispose());
  loss.catch(() => {}); // a failed read surfaces where it is awaited, not as an unhandled rejection
  return loss;
}

/** The loss, unless it is NaN or infinite: then TrainingError at `step`, saying what to change. */
function finiteLoss(loss: number, lr: number, step: number): number {
  if (!Number.isFinite(loss)) throw new TrainingError(`loss is ${loss} (lr ${lr}); lower train.lr or set train.clip (e.g. 0.25 for SGD, 1 for Adam)`, step);
  return loss;
}

function prefixed(split: string, m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [`${split}_${k}`, v]));
}

/** The model's weights in a checkpoint, as tensors (the caller owns them). */
function paramTensors(ckpt: Checkpoint, task: Task): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name] of task.params.entries()) {
    const t = ckpt.tensors.get(name);
    if (t) out.set(name, tf.tensor(t.data, t.shape, t.dtype));
  }
  return out;
}

function asCheckpoint(resume: Uint8Array | Checkpoint): Checkpoint {
  return resume instanceof Uint8Array ? decodeCheckpoint(resume) : resume;
}

/** Weights, optimizer state and trainer state from a checkpoint. */
function restore(ckpt: Checkpoint, task: Task, optimizer: Optimizer, s: TrainerState): void {
  const saved = ckpt.metadata.trainer as TrainerState | undefined;
  if (!saved) throw new ConfigError("this checkpoint has no trainer state (an export?); resume needs a checkpoint written during training");
  if (saved.optimizer !== s.optimizer)
    throw new ConfigError(
      `checkpoint was trained with ${saved.optimizer}, the config asks for ${s.optimizer}; keep train.optimizer=${saved.optimizer} to resume`,
      "train.optimizer",
    );
  loadParameters(task.params, ckpt.tensors);
  const state = tensorsUnder(ckpt.tensors, "optimizer");
  optimizer.loadState(state, saved.optimizerStep);
  tf.dispose([...state.values()]);
  // Checkpoints written before selection.ts kept only `bestLoss`: judging starts afresh.
  const { bestLoss: _old, ...rest } = saved as TrainerState & { bestLoss?: unknown };
  Object.assign(s, rest, { selection: saved.selection ?? emptySelection() });
}
