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
  flag(name: string): boolean;
}

export function makeContext(
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
  positionals: string[],
  paths: { dataDir: string | undefined; spoolDir: string },
  db: () => Promise<Database>,
): CommandContext {
  const one = (name: string): string | undefined => {
    const v = values[name];
    if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
    return typeof v === "string" ? v : undefined;
  };
  return {
    positionals,
    db,
    json: values.json === true,
    ...paths,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    string: one,
    strings: (name) => {
      const v = values[name];
      if (v === undefined) return [];
      return (Array.isArray(v) ? v : [v]).map(String);
    },
    number: (name) => {
      const v = one(name);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got ${JSON.stringify(v)}`);
      return n;
    },
    flag: (name) => values[name] === true,
  };
}
