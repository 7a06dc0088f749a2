// A run's diagnostics (issue 15), as the trainer reported them at each validation: the run page's
// heatmaps (x: step, y: position) read every stored document of a kind; the compare overlay reads
// the latest of several runs; a tagger's reports (issue 18: per-type entity scores, tag confusion)
// feed the run page's tables. Documents come back as stored (the Diagnostic table, lossless JSON).
import { z } from "zod";
import { latestDiagnostics, readDiagnostics } from "@unroll/db";
import { DIAGNOSTIC_KIND_LIST, DIAGNOSTIC_KINDS, type DiagnosticKind, type TagReportDoc } from "@unroll/domain";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { Id } from "./shared.js";

/** What the overlay draws: a tagger with only its reports is not offered there. */
const PROBE_KINDS: string[] = [DIAGNOSTIC_KINDS.gradNorm, DIAGNOSTIC_KINDS.lossByPosition];

const Kind = z.enum(DIAGNOSTIC_KIND_LIST as [DiagnosticKind, ...DiagnosticKind[]], { error: `kind is one of ${DIAGNOSTIC_KIND_LIST.join(", ")}` });

export const diagnosticsRouter = createTRPCRouter({
  /** Every stored document of one kind for a run, in step order (the latest `limit`). */
  byRun: publicProcedure.input(z.object({ runId: Id, kind: Kind, limit: z.number().int().min(1).max(5000).default(1000) })).query(async ({ ctx, input }) => {
    const points = await readDiagnostics(ctx.db.pool, input.runId, input.kind, input.limit);
    return { runId: input.runId, kind: input.kind, points };
  }),
  /** Runs that have diagnostics, newest first: what the overlay offers (its cell and activation name the lines). */
  runs: publicProcedure.input(z.object({ limit: z.number().int().min(1).max(500).default(100) }).default({ limit: 100 })).query(async ({ ctx, input }) => {
    const { rows } = await ctx.db.pool.query<{
      id: string;
      name: string;
      task: string | null;
      cell: string | null;
      activation: string | null;
      status: string;
      experiment: string;
    }>(
      `SELECT r.id, r.name, r.task, r.cell, r.config->'model'->>'activation' AS activation, r.status, e.name AS experiment
         FROM "Run" r JOIN "Experiment" e ON e.id = r."experimentId"
        WHERE EXISTS (SELECT 1 FROM "Diagnostic" d WHERE d."runId" = r.id AND d.kind = ANY($2))
        ORDER BY r."createdAt" DESC, r.id LIMIT $1`,
      [input.limit, PROBE_KINDS],
    );
    return rows;
  }),
  /** A tagger's latest validation report and its test report (best weights); null where there is none yet. */
  tagReports: publicProcedure.input(z.object({ runId: Id })).query(async ({ ctx, input }) => {
    const latest = await latestDiagnostics(ctx.db.pool, input.runId);
    const at = (kind: string) => {
      const row = latest.get(kind);
      return row ? { step: row.step, report: row.data as TagReportDoc } : null;
    };
    return { valid: at(DIAGNOSTIC_KINDS.tagReportValid), test: at(DIAGNOSTIC_KINDS.tagReportTest) };
  }),
  /** The latest document of one kind for each run (runs without one are left out): the compare overlay. */
  latest: publicProcedure.input(z.object({ runIds: z.array(Id).min(1, "give at least one run id").max(50), kind: Kind })).query(async ({ ctx, input }) => {
    const out: { runId: string; step: number; data: unknown }[] = [];
    for (const runId of input.runIds) {
      const row = (await latestDiagnostics(ctx.db.pool, runId)).get(input.kind);
      if (row) out.push({ runId, ...row });
    }
    return out;
  }),
});
