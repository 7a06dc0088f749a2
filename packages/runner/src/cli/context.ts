// What every command gets: parsed arguments, output streams and the paths from the environment.
import type { Database } from "../connect.js";
import { UsageError } from "./usage-error.js";

export interface CommandContext {
  positionals: string[];
  json: boolean;
  /** Opens the database on first use (so bad input is refused before anything is opened). */
  db(): Promise<Database>;
  dataDir: string | undefined;
  spoolDir: string;
  out(line: string): void;
  err(line: string): void;
  string(name: string): string | undefined;
  strings(name: string): string[];
  number(name: string): number | undefined;
  /** A whole number in [min, max], or undefined when the flag is not given. */
  integer(name: string, range: { min: number; max?: number }): number | undefined;
  flag(name: string): boolean;
}

/** Where a command's lines go: the terminal, or a test's buffers. */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
}

export const PROCESS_IO: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** String flags that may be given as "" (an empty prompt starts from nothing). */
const MAY_BE_EMPTY = new Set(["prompt"]);

export function makeContext(
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
  positionals: string[],
  paths: { dataDir: string | undefined; spoolDir: string },
  db: () => Promise<Database>,
  io: CommandIO = PROCESS_IO,
): CommandContext {
  for (const [name, v] of Object.entries(values)) {
    if (MAY_BE_EMPTY.has(name)) continue;
    if ((Array.isArray(v) ? v : [v]).some((x) => typeof x === "string" && x.trim() === "")) {
      throw new UsageError(`--${name} was given an empty value: give it one (e.g. --${name} ${EXAMPLE[name] ?? "VALUE"}), or leave the flag out`);
    }
  }
  const one = (name: string): string | undefined => {
    const v = values[name];
    if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
    return typeof v === "string" ? v : undefined;
  };
  const number = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got ${JSON.stringify(v)}`);
    return n;
  };
  return {
    positionals,
    db,
    json: values.json === true,
    ...paths,
    out: io.out,
    err: io.err,
    string: one,
    strings: (name) => {
      const v = values[name];
      if (v === undefined) return [];
      return (Array.isArray(v) ? v : [v]).map(String);
    },
    number,
    integer: (name, { min, max }) => {
      const n = number(name);
      if (n === undefined) return undefined;
      if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
        const range = max !== undefined ? `a whole number from ${min} to ${max}` : min === 1 ? "a positive whole number" : `a whole number >= ${min}`;
        throw new UsageError(`--${name} must be ${range}, got ${one(name)}`);
      }
      return n;
    },
    flag: (name) => values[name] === true,
  };
}

const EXAMPLE: Record<string, string> = {
  experiment: "baseline",
  status: "running",
  out: "./export",
  checkpoint: "best",
  metric: "valid/perplexity",
  sweep: "model.cell=lstm,gru",
  set: "train.lr=0.01",
};
