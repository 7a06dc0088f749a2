// Users name runs by id or by a unique prefix of it (like git commits): @unroll/db's findRun.
import type { Pool } from "pg";
import { findRun } from "@unroll/db";
import { UsageError } from "./usage-error.js";

export async function resolveRunId(pool: Pool, ref: string | undefined): Promise<string> {
  if (!ref) throw new UsageError("missing the run id (see `unroll runs`)");
  const found = await findRun(pool, ref);
  if ("problem" in found) throw new UsageError(found.problem);
  return found.id;
}
