// Experiments: the groups runs are launched in.
import { z } from "zod";
import { ConflictError, NotFoundError } from "../errors.js";
import { createTRPCRouter, publicProcedure } from "../trpc.js";
import { Id } from "./shared.js";

export const experimentRouter = createTRPCRouter({
  list: publicProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.prisma.experiment.findMany({ orderBy: { createdAt: "desc" }, include: { _count: { select: { runs: true } } } });
    return rows.map((e) => ({
      id: e.id,
      name: e.name,
      description: e.description,
      tags: e.tags,
      createdAt: e.createdAt.toISOString(),
      runCount: e._count.runs,
    }));
  }),

  /** Deletes the experiment and all its runs (metrics, samples, checkpoints cascade). */
  delete: publicProcedure.input(z.object({ id: Id })).mutation(async ({ ctx, input }) => {
    const exp = await ctx.db.prisma.experiment.findUnique({
      where: { id: input.id },
      include: { runs: { where: { status: "RUNNING" }, select: { name: true } } },
    });
    if (!exp) throw new NotFoundError("experiment", input.id);
    if (exp.runs.length) throw new ConflictError(`experiment ${exp.name} has running runs (${exp.runs.map((r) => r.name).join(", ")}): cancel them first`);
    await ctx.db.prisma.experiment.delete({ where: { id: input.id } });
    return { deleted: input.id };
  }),
});
