// A run's diagnostics (issue 15), as the trainer reported them at each validation: the run page's
// heatmaps (x: step, y: position) read every stored document of a kind; the compare overlay reads
// the latest of several runs. Documents come back as stored (the Diagnostic table, lossless JSON).
import { z } from "zod";
import { latestDiagnostics, readDiagnostics } from "@unroll/db";
import { DIAGNOSTIC_KIND_LIST, type DiagnosticKind } from "@unroll/domain";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { Id } from "./shared.js";

const Kind = z.enum(DIAGNOSTIC_KIND_LIST as [DiagnosticKind, ...DiagnosticKind[]], { error: `kind is one of ${DIAGNOSTIC_KIND_LIST.join(", ")}` });

export const diagnosticsRouter = createTRPCRouter({
  /** Every stored document of one kind for a run, in step order (the latest `limit`). */
  byRun: publicProcedure.input(z.object({ runId: Id, kind: Kind, limit: z.number().int().min(1).max(5000).default(1000) })).query(async ({ ctx, input }) => {
    const points = await readDiagnostics(ctx.db.pool, input.runId, input.kind, input.limit);
    return { runId: input.runId, kind: input.kind, points };
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
