// Config issues as { path, message }: the api's BAD_REQUEST data, the web form's messages next to
// fields, and (as core's ConfigError) the CLI's. The words are core's (describeConfigIssues: what
// was expected, what was received, "did you mean"), so all three say the same.
import { describeConfigIssues, ExperimentConfigSchema, type ExperimentConfig } from "@unroll/core/config";

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `model.tied` ("" for the whole config). */
  path: string;
  message: string;
}

export type ConfigCheck = { ok: true; config: ExperimentConfig } | { ok: false; issues: ConfigIssue[] };

/** Validates a config with the shared schema. */
export function checkConfig(input: unknown): ConfigCheck {
  const result = ExperimentConfigSchema.safeParse(input);
  return result.success ? { ok: true, config: result.data } : { ok: false, issues: describeConfigIssues(result.error.issues, input) };
}

/** Issues as one line: `model.tied: weight tying needs ... (and 2 more)`. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const [first, ...rest] = issues;
  return `${first ? `${first.path || "config"}: ${first.message}` : "invalid config"}${rest.length ? ` (and ${rest.length} more)` : ""}`;
}
