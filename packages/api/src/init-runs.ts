// A launched run may start from another (model.init = run:ID): the run it names must have, or may
// still write, a checkpoint. Checked with the database before anything is queued, once per
// reference (@unroll/db's checkInitRun says what is wrong and how to fix it).
import { initRunRefs } from "@unroll/core/config";
import { checkInitRun, type Queryable } from "@unroll/db";
import type { ConfigIssue } from "@unroll/domain";
import type { PlannedRun } from "./sweep.js";

export interface InitRunCheck {
  /** At model.init: the submission is refused. */
  issues: ConfigIssue[];
  /** Said, and the runs queued (a source with no checkpoint yet). */
  notes: string[];
}

export async function checkInitRuns(db: Queryable, runs: readonly PlannedRun[]): Promise<InitRunCheck> {
  const out: InitRunCheck = { issues: [], notes: [] };
  for (const ref of initRunRefs(runs.map((r) => r.config))) {
    const { problem, note } = await checkInitRun(db, ref);
    if (problem) out.issues.push({ path: "model.init", message: problem });
    if (note) out.notes.push(`model.init: ${note}`);
  }
  return out;
}
