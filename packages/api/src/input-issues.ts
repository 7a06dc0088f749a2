// Input validation failures as one short message: `field.path: what is wrong` per issue, the
// first three joined by "; " (zod's own message is a pretty-printed JSON dump of every issue).
import type { z } from "zod";

const SHOWN = 3;

/** `experiment: name the experiment; maxAttempts: Too small: expected number to be >=1 (and 2 more)`. */
export function describeInputIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((i) => `${pathOf(i.path) || "input"}: ${i.message}`);
  const more = lines.length > SHOWN ? ` (and ${lines.length - SHOWN} more)` : "";
  return `${lines.slice(0, SHOWN).join("; ")}${more}`;
}

/** True for the input parser's error (zod's, or tRPC's standard-schema one), by shape. */
export function isZodError(error: unknown): error is { issues: z.core.$ZodIssue[] } {
  const name = (error as { name?: unknown } | null)?.name;
  return (
    typeof error === "object" && error !== null && (name === "ZodError" || name === "SchemaError") && Array.isArray((error as { issues?: unknown }).issues)
  );
}

export function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => String(typeof p === "object" && p !== null && "key" in p ? (p as { key: PropertyKey }).key : p)).join(".");
}
