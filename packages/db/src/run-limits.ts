// How long the things a person types may be and how much one request may queue: the one home of
// these limits. enqueueRuns checks them on every insert (CLI, API, tests), so nothing is created
// when one is broken; the API's input schemas and the CLI's flags check them first, to name the
// field or flag to fix. Pure: no database access, so forms and sweeps can import it
// (`@unroll/db/run-limits`).

export const RUN_LIMITS = {
  /** Characters in a run's name (config name plus sweep values); names are indexed. */
  runName: 200,
  /** Characters in an experiment's name. */
  experimentName: 200,
  /** Characters in an experiment's description. */
  description: 2000,
  /** Characters in a run's notes. */
  notes: 10_000,
  /** Characters in one tag. */
  tag: 40,
  /** Tags on one run. */
  tags: 20,
  /** Claims allowed before a crashing run is given up. */
  maxAttempts: 10,
  /** Runs queued by one request (a sweep's grid points times its seeds). */
  runsPerRequest: 200,
} as const;

/** An enqueue that breaks a limit: `path` names the field (`experiment`, `runs.3.name`, ...). */
export class RunInputError extends Error {
  override name = "RunInputError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export interface RunInput {
  name: string;
  tags?: string[];
}

export interface EnqueueInput {
  experiment: string;
  description?: string;
  maxAttempts?: number;
}

/** Why this many runs cannot be queued at once, or undefined when they can. */
export function tooManyRuns(count: number): string | undefined {
  if (count <= RUN_LIMITS.runsPerRequest) return undefined;
  return `${count.toLocaleString("en-US")} runs is more than the ${RUN_LIMITS.runsPerRequest} one request may queue; use fewer sweep values or seeds, or queue the sweep in parts`;
}

/** Throws RunInputError for the first broken limit; nothing is written when it throws. */
export function checkRunInput(runs: readonly RunInput[], options: EnqueueInput): void {
  const L = RUN_LIMITS;
  if (runs.length === 0) throw new RunInputError("runs", "nothing to queue: give at least one run");
  const many = tooManyRuns(runs.length);
  if (many) throw new RunInputError("runs", many);
  text("experiment", options.experiment, L.experimentName, "the experiment name", "name the experiment (e.g. --experiment baseline)");
  if (options.description !== undefined) text("description", options.description, L.description, "the description", undefined, true);
  const attempts = options.maxAttempts;
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 1 && attempts <= L.maxAttempts)) {
    throw new RunInputError(
      "maxAttempts",
      `expected a whole number from 1 to ${L.maxAttempts}, got ${attempts}: how many times a crashing run is claimed before it is given up`,
    );
  }
  runs.forEach((run, i) => {
    text(runs.length > 1 ? `runs.${i}.name` : "name", run.name, L.runName, "the run name", "give the config a name (its `name` field)");
    const tags = run.tags ?? [];
    if (tags.length > L.tags) throw new RunInputError(`runs.${i}.tags`, `${tags.length} tags is more than the ${L.tags} a run may have; drop some`);
    tags.forEach((tag, j) => text(`runs.${i}.tags.${j}`, tag, L.tag, "a tag", "remove the empty tag"));
  });
}

function text(path: string, value: string, max: number, what: string, ifEmpty: string | undefined, emptyOk = false): void {
  if (typeof value !== "string") throw new RunInputError(path, `expected text, got ${typeof value}`);
  if (!emptyOk && value.trim() === "") throw new RunInputError(path, `${what} is empty: ${ifEmpty ?? "fill it in"}`);
  if (value.length > max) {
    throw new RunInputError(
      path,
      `${what} is ${value.length.toLocaleString("en-US")} characters long, more than the ${max} allowed: shorten it (it starts ${JSON.stringify(value.slice(0, 40))})`,
    );
  }
}
