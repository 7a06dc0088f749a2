// One self-contained checkpoint file in the safetensors format (huggingface/safetensors):
//   [8-byte little-endian header length N][N bytes of JSON header][raw little-endian tensor data]
// The header maps each tensor name to { dtype, shape, data_offsets: [begin, end) } (offsets into the
// data section) and holds `__metadata__`, a string-to-string map: here the task, the model config,
// the experiment config, the tokenizer and label vocabularies, step, metrics, the trainer state and
// the format version, each as a JSON string. Names follow torch (see CHECKPOINT.md):
//   encoder.weight, rnn.weight_ih_l0, ..., decoder.weight/bias, optimizer.exp_avg.<param>, train.hidden.l0.h
import * as tf from "@tensorflow/tfjs-core";
import { currentCellName } from "./cells/kinds.js";
import { DataError } from "./errors.js";
import type { Parameters } from "./params.js";

export const CHECKPOINT_FORMAT = "unroll-checkpoint";
export const CHECKPOINT_VERSION = 1;

export interface TensorData {
  dtype: "float32" | "int32";
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What a checkpoint holds besides tensors (all JSON-serialisable). */
export interface CheckpointMetadata {
  task: "lm" | "tagger" | "classifier";
  /** The model's own config (LanguageModelConfig, TaggerConfig or ClassifierConfig). */
  model: Record<string, unknown>;
  /** The experiment config the run was started with, if any. */
  config?: unknown;
  /** Tokenizer JSON (kind, options, vocabulary) for the input side. */
  tokenizer?: unknown;
  /** Tag or class names in id order (tagger, classifier). */
  labels?: string[];
  step: number;
  metrics: Record<string, number>;
  /** Where training stands, for resuming (trainer.ts `TrainerState`). */
  trainer?: Record<string, unknown>;
}

export interface Checkpoint {
  metadata: CheckpointMetadata;
  tensors: Map<string, TensorData>;
}

const DTYPES = { float32: "F32", int32: "I32" } as const;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Read tensors out of the backend (awaits the data: call between steps, not inside a tidy). */
export async function readTensors(entries: Iterable<[string, tf.Tensor]>): Promise<Map<string, TensorData>> {
  const out = new Map<string, TensorData>();
  for (const [name, t] of entries) {
    const dtype = t.dtype === "int32" ? "int32" : "float32";
    const data = (await t.data()) as Float32Array | Int32Array;
    out.set(name, { dtype, shape: [...t.shape], data: dtype === "int32" ? Int32Array.from(data) : Float32Array.from(data) });
  }
  return out;
}

/** Serialise to safetensors bytes. */
export function encodeCheckpoint({ metadata, tensors }: Checkpoint): Uint8Array {
  const meta: Record<string, string> = { format: CHECKPOINT_FORMAT, format_version: String(CHECKPOINT_VERSION) };
  for (const [k, v] of Object.entries(metadata)) if (v !== undefined) meta[k] = JSON.stringify(v);
  const header: Record<string, unknown> = { __metadata__: meta };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: DTYPES[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8); // align data to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors.values()) {
    writeLE(out, at, t.data);
    at += t.data.byteLength;
  }
  return out;
}

/** Parse safetensors bytes written by encodeCheckpoint (or any F32/I32 safetensors with our metadata). */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 8) throw new DataError(`expected a safetensors checkpoint, got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8)
    throw new DataError(`expected a safetensors checkpoint, got a header length ${n} beyond the ${bytes.length}-byte file; is this an Unroll checkpoint?`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new DataError("expected a JSON safetensors header, got unparsable bytes; is this an Unroll checkpoint?");
  }
  const meta = (header.__metadata__ ?? {}) as Record<string, string>;
  if (meta.format !== CHECKPOINT_FORMAT)
    throw new DataError(`expected metadata format ${CHECKPOINT_FORMAT}, got ${meta.format ?? "none"}; this safetensors file was not written by Unroll`);
  if (Number(meta.format_version) > CHECKPOINT_VERSION)
    throw new DataError(`checkpoint format version ${meta.format_version} is newer than this Unroll reads (${CHECKPOINT_VERSION}); upgrade Unroll`);
  const parsed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (k !== "format" && k !== "format_version") parsed[k] = JSON.parse(v);
  const tensors = new Map<string, TensorData>();
  const base = 8 + n;
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const kind = dtype === "F32" ? "float32" : dtype === "I32" ? "int32" : undefined;
    if (!kind) throw new DataError(`tensor ${name} has dtype ${dtype}; Unroll reads F32 and I32`);
    const raw = bytes.slice(base + begin, base + end); // copy: aligned and detached from the file
    const data = readLE(raw, kind);
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new DataError(`tensor ${name}: shape [${shape}] needs ${size} values, the file has ${data.length}`);
    tensors.set(name, { dtype: kind, shape, data });
  }
  return { metadata: withCurrentNames(parsed) as unknown as CheckpointMetadata, tensors };
}

/** An older checkpoint's names as today's: the experiment config's Elman cell "rnn" is "elman" (cells/kinds.ts). */
function withCurrentNames(meta: Record<string, unknown>): Record<string, unknown> {
  const renamed = (section: unknown): unknown =>
    isRecord(section) && currentCellName(section.cell) !== section.cell ? { ...section, cell: currentCellName(section.cell) } : section;
  const out = { ...meta };
  if (renamed(meta.model) !== meta.model) out.model = renamed(meta.model);
  if (isRecord(meta.config) && renamed(meta.config.model) !== meta.config.model) out.config = { ...meta.config, model: renamed(meta.config.model) };
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Copy checkpoint tensors into a model's parameters (every parameter must be present, same shape). */
export function loadParameters(params: Parameters, tensors: Map<string, TensorData>): void {
  for (const [name, v] of params.entries()) {
    const t = tensors.get(name);
    if (!t) throw new DataError(`checkpoint has no tensor ${name}; it was saved from a different model config`);
    if (t.shape.join() !== v.shape.join())
      throw new DataError(`checkpoint tensor ${name} has shape [${t.shape}], the model expects [${v.shape}]; the model config differs`);
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, t.dtype)));
  }
}

/** Tensors under `prefix.` with the prefix removed, as tf tensors (the caller disposes them). */
export function tensorsUnder(tensors: Map<string, TensorData>, prefix: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) if (name.startsWith(`${prefix}.`)) out.set(name.slice(prefix.length + 1), tf.tensor(t.data, t.shape, t.dtype));
  return out;
}

/**
 * The files of `unroll export`: `model.safetensors` holds the weights only (no optimizer or
 * trainer state) and, in its metadata, everything needed to use them: task, model config,
 * tokenizer, labels, experiment config, step, metrics (what loadModel and the PyTorch loader read).
 * `config.json` (task, model and experiment config) and `vocab.json` (tokenizer, labels) repeat
 * those for readers without a safetensors parser.
 */
export function exportCheckpoint(data: Uint8Array | Checkpoint): { "config.json": string; "vocab.json": string; "model.safetensors": Uint8Array } {
  const ckpt = data instanceof Uint8Array ? decodeCheckpoint(data) : data;
  const { metadata: m } = ckpt;
  const weights = new Map([...ckpt.tensors].filter(([name]) => !name.startsWith("optimizer.") && !name.startsWith("train.")));
  return {
    "config.json": JSON.stringify(
      { task: m.task, model: m.model, config: m.config, step: m.step, metrics: m.metrics, format: CHECKPOINT_FORMAT, formatVersion: CHECKPOINT_VERSION },
      null,
      2,
    ),
    "vocab.json": JSON.stringify({ tokenizer: m.tokenizer, labels: m.labels }, null, 2),
    "model.safetensors": encodeCheckpoint({
      metadata: { task: m.task, model: m.model, config: m.config, tokenizer: m.tokenizer, labels: m.labels, step: m.step, metrics: m.metrics },
      tensors: weights,
    }),
  };
}

function writeLE(out: Uint8Array, at: number, data: Float32Array | Int32Array): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + at, data.byteLength);
  data.forEach((v, i) => (data instanceof Float32Array ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true)));
}

function readLE(raw: Uint8Array, dtype: "float32" | "int32"): Float32Array | Int32Array {
  if (LITTLE_ENDIAN)
    return dtype === "float32"
      ? new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)
      : new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = dtype === "float32" ? new Float32Array(raw.byteLength / 4) : new Int32Array(raw.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = dtype === "float32" ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
  return out;
}
