// Users name runs by id or by a unique prefix of it (like git commits).
import type { Pool } from "pg";
import { UsageError } from "./usage-error.js";

export async function resolveRunId(pool: Pool, ref: string | undefined): Promise<string> {
  if (!ref) throw new UsageError("missing the run id (see `unroll runs`)");
  if (ref.length > 64 || !/^[A-Za-z0-9_-]+$/.test(ref)) {
    throw new UsageError(
      `${JSON.stringify(ref.length > 64 ? `${ref.slice(0, 64)}...` : ref)} is not a run id: give a run's id or the start of it (letters, digits and dashes, e.g. 3f2a9c1e; see \`unroll runs\`)`,
    );
  }
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM "Run" WHERE id LIKE $1 || '%' ORDER BY id LIMIT 3`, [ref.replace(/[%_\\]/g, "\\$&")]);
  if (rows.length === 0) throw new UsageError(`no run matches ${JSON.stringify(ref)} (see \`unroll runs\`)`);
  if (rows.length > 1 && rows[0]!.id !== ref)
    throw new UsageError(`${JSON.stringify(ref)} matches several runs (${rows.map((r) => r.id).join(", ")}...): give more of the id`);
  return rows[0]!.id;
}
