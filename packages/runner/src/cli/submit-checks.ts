// What `unroll train` and `unroll enqueue` check before anything is created, beyond the schema:
// the config's name fits a run name; its own data files become absolute paths from this
// directory (a worker elsewhere reads what was meant) and must be readable files; the data is
// read (once per data, tokenizer and batch size) to check that it is long enough and that
// training fits in memory with its real vocabulary. What the data was read as, if not as written
// (IOB2 tags repaired), is told to `warn`. With the database at hand, a run that starts from
// another (model.init = run:ID) must name one that has, or may still write, a checkpoint.
import { checkExperimentData, loadExperimentData, resolveData, resolveDataFiles, initRunRefs, type ExperimentConfig, type ExperimentData } from "@unroll/core";
import { checkInitRun, RUN_LIMITS, type Queryable } from "@unroll/db";
import { UsageError } from "./usage-error.js";

export interface SubmitCheckOptions {
  /** Where relative data paths start: the submitter's working directory. */
  baseDir: string;
  dataDir: string | undefined;
  /**
   * The run trains here (`unroll train`): a named corpus must be found here. Otherwise a corpus
   * this machine lacks is left to the worker's data directory, with a warning.
   */
  local: boolean;
  warn(line: string): void;
}

export class SubmitChecks {
  readonly #loaded = new Map<string, ExperimentData | undefined>();

  constructor(readonly options: SubmitCheckOptions) {}

  /** The config with absolute data paths; throws (exit 2) with what to fix. */
  check(input: ExperimentConfig): ExperimentConfig {
    const name = input.name;
    if (name !== undefined && name.length > RUN_LIMITS.runName) {
      throw new UsageError(
        `name: the config's name is ${name.length.toLocaleString("en-US")} characters long, more than the ${RUN_LIMITS.runName} a run name may have: shorten it (it starts ${JSON.stringify(name.slice(0, 40))})`,
      );
    }
    const config = resolveDataFiles(input, { baseDir: this.options.baseDir });
    const loaded = this.#load(config);
    if (loaded) checkExperimentData(config, loaded);
    return config;
  }

  #load(config: ExperimentConfig): ExperimentData | undefined {
    const key = JSON.stringify([config.task, config.data, config.tokenizer, config.train.batchSize]);
    if (this.#loaded.has(key)) return this.#loaded.get(key);
    let loaded: ExperimentData | undefined;
    if ("corpus" in config.data && !this.options.local && !this.#corpusHere(config)) loaded = undefined;
    else {
      loaded = loadExperimentData(config, { dataDir: this.options.dataDir });
      for (const line of loaded.warnings) this.options.warn(`unroll: warning: ${line}`);
    }
    this.#loaded.set(key, loaded);
    return loaded;
  }

  #corpusHere(config: ExperimentConfig): boolean {
    try {
      resolveData(config.data, { dataDir: this.options.dataDir });
      return true;
    } catch (error) {
      this.options.warn(
        `unroll: note: the data was not checked here (${(error as Error).message.split(";")[0]}); a worker reads it from its own data directory (UNROLL_DATA_DIR)`,
      );
      return false;
    }
  }
}

/**
 * model.init = run:ID names a run with weights to give (checked once per reference, with the
 * database); throws (exit 2) with what to fix, and tells `warn` of a source with no checkpoint yet.
 */
export async function checkInitRuns(db: Queryable, configs: readonly ExperimentConfig[], warn: (line: string) => void): Promise<void> {
  for (const ref of initRunRefs(configs)) {
    const { problem, note } = await checkInitRun(db, ref);
    if (problem) throw new UsageError(`model.init: ${problem}`);
    if (note) warn(`unroll: note: model.init: ${note}`);
  }
}
