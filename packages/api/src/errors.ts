// Domain errors the routers throw. trpc.ts maps each to a tRPC code in one place; the messages
// say what was wrong and what to do, and reach the dashboard unchanged.
import { formatConfigIssues, type ConfigIssue } from "@unroll/domain";

export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(what: string, id: string) {
    super(`no ${what} with id ${id}; it may have been deleted (reload the list)`);
  }
}

/** The request is valid but the current state forbids it (deleting a running run, say). */
export class ConflictError extends Error {
  override name = "ConflictError";
}

/** A config (or a sweep over it) that the shared schema rejects; one issue per field. */
export class InvalidConfigError extends Error {
  override name = "InvalidConfigError";
  constructor(readonly issues: ConfigIssue[]) {
    super(formatConfigIssues(issues));
  }
}

/** A run that cannot do what was asked (generate with a tagger, or no checkpoint yet). */
export class UnsupportedError extends Error {
  override name = "UnsupportedError";
}
