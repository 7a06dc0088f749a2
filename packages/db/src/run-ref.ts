// Naming a run: by its id or a unique start of it (like git commits). The CLI's run arguments, the
// api's launch checks and model.init = run:ID all read a reference here, with the same messages.
import { RunStatus } from "./generated/prisma/enums.js";
import type { Queryable } from "./metrics.js";

/** States from which a run may still write a checkpoint (a crashed one resumes while it has attempts). */
const MAY_CHECKPOINT: readonly string[] = [RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.CRASHED];

/** The run a reference names, or what is wrong with the reference (a sentence with the fix). */
export type RunLookup = { id: string } | { problem: string };

export async function findRun(db: Queryable, ref: string): Promise<RunLookup> {
  if (ref.length > 64 || !/^[A-Za-z0-9_-]+$/.test(ref)) {
    const shown = JSON.stringify(ref.length > 64 ? `${ref.slice(0, 64)}...` : ref);
    return { problem: `${shown} is not a run id: give a run's id or the start of it (letters, digits and dashes, e.g. 3f2a9c1e; see \`unroll runs\`)` };
  }
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM "Run" WHERE id LIKE $1 || '%' ORDER BY id LIMIT 3`, [ref.replace(/[%_\\]/g, "\\$&")]);
  if (rows.length === 0) return { problem: `no run matches ${JSON.stringify(ref)} (see \`unroll runs\`)` };
  if (rows.length > 1 && rows[0]!.id !== ref)
    return { problem: `${JSON.stringify(ref)} matches several runs (${rows.map((r) => r.id).join(", ")}...): give more of the id` };
  return { id: rows[0]!.id };
}

/**
 * Whether the run a new run would start from (model.init = run:REF) can give it weights, checked
 * where runs are submitted: `problem` refuses the submission (no such run, or one that ended with
 * no checkpoint); `note` is said and the run queued (the source has no checkpoint yet but may
 * still write one: the new run fails if a worker starts it first).
 */
export async function checkInitRun(db: Queryable, ref: string): Promise<{ problem?: string; note?: string }> {
  const found = await findRun(db, ref);
  if ("problem" in found) return { problem: found.problem };
  const { rows } = await db.query<{ status: string; checkpoints: number }>(
    `SELECT status, (SELECT count(*)::int FROM "Checkpoint" c WHERE c."runId" = r.id) AS checkpoints FROM "Run" r WHERE id = $1`,
    [found.id],
  );
  const { status, checkpoints } = rows[0] ?? { status: "deleted", checkpoints: 0 };
  if (checkpoints > 0) return {};
  if (MAY_CHECKPOINT.includes(status))
    return {
      note: `run ${found.id} (${status.toLowerCase()}) has no checkpoint yet: a run starting from it fails if a worker takes it before ${found.id} writes one (at train.checkpointEvery and at its end)`,
    };
  return {
    problem: `run ${found.id} ended ${status.toLowerCase()} without a checkpoint, so it has no weights to start from: name another run, or a checkpoint file`,
  };
}
