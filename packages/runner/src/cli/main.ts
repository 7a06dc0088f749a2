// The `unroll` CLI: parses arguments, runs one command, maps errors to messages and exit codes
// (2: bad input, nothing was created; 1: the command failed). bin/unroll.js calls `main` and
// exits with its code; tests call it in-process with their own output lines.
import { parseArgs } from "node:util";
import { DataError, UnrollError } from "@unroll/core";
import { RunInputError } from "@unroll/db";
import { openDatabase, type Database } from "../connect.js";
import { dataDir, spoolDir } from "../env.js";
import { makeContext, PROCESS_IO, type CommandContext, type CommandIO } from "./context.js";
import { UsageError } from "./usage-error.js";
import { trainCommand } from "./commands/train.js";
import { enqueueCommand, workerCommand } from "./commands/queue.js";
import { cancelCommand, compareCommand, logsCommand, runsCommand, showCommand } from "./commands/inspect.js";
import { classifyCommand, exportCommand, sampleCommand, scoreCommand, statesCommand, tagCommand } from "./commands/infer.js";
import { dbCommand } from "./commands/db.js";
import { upCommand } from "./commands/up.js";
import { databaseUnavailable } from "./database-unavailable.js";

const HELP = `unroll: train, track and compare recurrent neural networks

  unroll train <config.json|yaml> [--set key=value]... [--experiment NAME] [--json]
  unroll enqueue <config> [--set key=value]... [--sweep key=v1,v2]... [--seeds N] [--experiment NAME]
  unroll worker [--concurrency N] [--once]
  unroll runs [--experiment X] [--status S] [--json]
  unroll show <run> [--json]          unroll logs <run>          unroll cancel <run>
  unroll compare <run> <run>... [--metric KEY]...
  unroll sample <run> [--prompt TEXT] [--greedy | [--temperature T] [--top-k K] [--top-p P]] [--n N] [--seed S] [--max-length L]
  unroll score <run> "a sentence"      unroll tag <run> "a sentence"      unroll classify <run> "a text"
  unroll states <run> "a text" [--top-k K]   every unit and gate per token (and next tokens), JSON
  unroll export <run> --out DIR        (model.safetensors, config.json, vocab.json; CHECKPOINT.md)
      sample, score, tag, classify, states and export read the run's best checkpoint (its best
      validation), else its last: --checkpoint best|last chooses
  unroll db migrate|serve|status
  unroll up [--no-demo] [--no-dashboard]   the main job: database, migrations, demo sweep, worker, dashboard

Environment: DATABASE_URL (default: the embedded database in .unroll/), UNROLL_DATA_DIR (corpora),
UNROLL_BACKEND (tensorflow-gpu|tensorflow|webgpu|wasm|cpu).`;

type Command = (ctx: CommandContext) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  train: trainCommand,
  enqueue: enqueueCommand,
  worker: workerCommand,
  runs: runsCommand,
  show: showCommand,
  logs: logsCommand,
  cancel: cancelCommand,
  compare: compareCommand,
  sample: sampleCommand,
  score: scoreCommand,
  states: statesCommand,
  tag: tagCommand,
  classify: classifyCommand,
  export: exportCommand,
  db: dbCommand,
  up: upCommand,
};

const OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  set: { type: "string", multiple: true },
  sweep: { type: "string", multiple: true },
  seeds: { type: "string" },
  experiment: { type: "string" },
  "max-attempts": { type: "string" },
  concurrency: { type: "string" },
  once: { type: "boolean" },
  "heartbeat-ms": { type: "string" },
  status: { type: "string" },
  limit: { type: "string" },
  metric: { type: "string", multiple: true },
  prompt: { type: "string" },
  temperature: { type: "string" },
  "top-k": { type: "string" },
  "top-p": { type: "string" },
  n: { type: "string" },
  seed: { type: "string" },
  "max-length": { type: "string" },
  greedy: { type: "boolean" },
  out: { type: "string" },
  checkpoint: { type: "string" },
  "no-demo": { type: "boolean" },
  "no-dashboard": { type: "boolean" },
  port: { type: "string" },
} as const;

/** Runs one command line; returns the exit code, with any error's message written to `io.err`. */
export async function main(argv: string[], io: CommandIO = PROCESS_IO): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof UnrollError || error instanceof RunInputError) {
      io.err(`unroll: ${error.message}`);
      // The offending text, which the message leaves out (it may reach the dashboard): shown to the local user only.
      if (error instanceof DataError && error.excerpt !== undefined) io.err(`unroll:   the line reads ${JSON.stringify(error.excerpt)}`);
      return 2;
    }
    const unavailable = databaseUnavailable(error);
    io.err(`unroll: ${unavailable ?? (error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
    return 1;
  }
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.out(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(", ")}`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see \`unroll help\`)`);
  }
  if (parsed.values.help) {
    io.out(HELP);
    return 0;
  }
  let db: Database | undefined;
  const ctx = makeContext(parsed.values, parsed.positionals, { dataDir: dataDir(), spoolDir: spoolDir() }, async () => (db ??= await openDatabase()), io);
  try {
    return await command(ctx);
  } finally {
    // Bounded: a database that does not answer must not keep a finished command from exiting.
    if (db) await Promise.race([db.close(), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  }
}
