// Config validation issues as { path, message }, shared by the api (BAD_REQUEST data) and the
// web form (messages next to fields). Pure: imports only core's config schema and zod.
import { ExperimentConfigSchema, type ExperimentConfig } from "@unroll/core/config";
import type { z } from "zod";

export interface ConfigIssue {
  /** Dotted path of the field, e.g. `model.tied` ("" for the whole config). */
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

/** Flattens zod issues; for a union (data: corpus or files) keeps the branch that came closest. */
export function toConfigIssues(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      out.push(...toConfigIssues(best, path));
      continue;
    }
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: [...path, key].map(String).join("."), message: `unknown key ${key}` });
      continue;
    }
    out.push({ path: path.map(String).join("."), message: issue.message });
  }
  return out;
}

export type ConfigCheck = { ok: true; config: ExperimentConfig } | { ok: false; issues: ConfigIssue[] };

/** Validates a config with the shared schema. */
export function checkConfig(input: unknown): ConfigCheck {
  const result = ExperimentConfigSchema.safeParse(input);
  return result.success ? { ok: true, config: result.data } : { ok: false, issues: toConfigIssues(result.error.issues) };
}
