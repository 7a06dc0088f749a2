// Typed errors: each message says what was expected, what was received, and how to fix it.

/** Base class of every error core throws on purpose. */
export class UnrollError extends Error {
  override name = "UnrollError";
}

/** An experiment or model configuration that cannot work. */
export class ConfigError extends UnrollError {
  override name = "ConfigError";
  constructor(
    message: string,
    /** Dotted path of the offending field, e.g. `model.tied`. */
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/** A tensor whose shape does not match what an operation needs. */
export class ShapeError extends UnrollError {
  override name = "ShapeError";
}

/**
 * Malformed input data; carries the file and 1-based line when known. The message never quotes
 * the file (it may reach whoever can see a run's error); `excerpt` holds the offending text, for
 * a tool to show its own user (the CLI does).
 */
export class DataError extends UnrollError {
  override name = "DataError";
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly excerpt?: string,
  ) {
    super(file ? `${file}${line !== undefined ? `:${line}` : ""}: ${message}` : message);
  }
}

/** A requested TensorFlow.js backend that cannot be used here. */
export class BackendError extends UnrollError {
  override name = "BackendError";
}

/**
 * The GPU device reported an error: a shader that failed to compile or validate (its output is
 * left unwritten, so every result after it is wrong), or the device was lost (device-errors.ts).
 */
export class DeviceError extends UnrollError {
  override name = "DeviceError";
}

/** Training that cannot go on (a NaN or infinite loss, say). */
export class TrainingError extends UnrollError {
  override name = "TrainingError";
  constructor(
    message: string,
    readonly step?: number,
  ) {
    super(step !== undefined ? `step ${step}: ${message}` : message);
  }
}
