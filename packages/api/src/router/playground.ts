// Playground: use a run's checkpoint (BEST, else LAST) to generate, score, tag or classify, and to
// look at its states over a text.
import { z } from "zod";
import type { LoadedModel } from "@unroll/core";
import { NotFoundError, UnsupportedError } from "../errors.js";
import type { CheckpointRef } from "../inference.js";
import { createTRPCRouter, publicProcedure, type Context } from "../trpc.js";
import { Id } from "./shared.js";

const Target = z.object({ runId: Id, kind: z.enum(["BEST", "LAST"]).optional() });

const WHAT = {
  generate: "generate text",
  score: "score sentences",
  tag: "tag sentences",
  classify: "classify texts",
  states: "show states",
  embeddings: "compare its embeddings (a language model's E and V)",
} as const;
const USE = { lm: "Generate or Score", tagger: "Tag", classifier: "Classify" } as Record<string, string>;

async function checkpointRef(ctx: Context, runId: string, kind?: "BEST" | "LAST"): Promise<CheckpointRef & { kind: string; step: number }> {
  const run = await ctx.db.prisma.run.findUnique({ where: { id: runId }, select: { id: true, checkpoints: { omit: { data: true } } } });
  if (!run) throw new NotFoundError("run", runId);
  const order = kind ? [kind] : ["BEST", "LAST"];
  const cp = order.map((k) => run.checkpoints.find((c) => c.kind === k)).find((c) => c !== undefined);
  if (!cp)
    throw new UnsupportedError(
      `run ${runId} has no ${kind ? `${kind.toLowerCase()} ` : ""}checkpoint yet; checkpoints are written every train.checkpointEvery steps and at the end`,
    );
  return {
    id: cp.id,
    kind: cp.kind,
    step: cp.step,
    version: String(cp.updatedAt.getTime()),
    load: async () => {
      const { rows } = await ctx.db.pool.query<{ data: Buffer | null; location: string | null }>(`SELECT data, location FROM "Checkpoint" WHERE id = $1`, [
        cp.id,
      ]);
      const data = rows[0]?.data;
      if (!data)
        throw new UnsupportedError(
          `checkpoint ${cp.id} is stored at ${rows[0]?.location ?? "an unknown location"}, not in the database; export it with \`unroll export\``,
        );
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
  };
}

async function withModel<T>(ctx: Context, input: z.infer<typeof Target>, need: keyof typeof WHAT, fn: (m: LoadedModel) => Promise<T>) {
  const ref = await checkpointRef(ctx, input.runId, input.kind);
  const started = performance.now();
  const result = await ctx.inference.use(ref, async (model) => {
    if (!model[need])
      throw new UnsupportedError(`this is a ${model.task} run: it cannot ${WHAT[need]}; use ${USE[model.task] ?? "another tool"} instead, or pick another run`);
    return fn(model);
  });
  return { checkpoint: { kind: ref.kind, step: ref.step }, ms: Math.round(performance.now() - started), backend: ctx.inference.backend?.name ?? null, result };
}

export const playgroundRouter = createTRPCRouter({
  /** Runs that have a checkpoint, newest first. */
  models: publicProcedure.query(async ({ ctx }) => {
    const runs = await ctx.db.prisma.run.findMany({
      where: { checkpoints: { some: {} } },
      orderBy: { createdAt: "desc" },
      select: {
        id: true,
        name: true,
        task: true,
        status: true,
        step: true,
        experiment: { select: { name: true } },
        checkpoints: { select: { kind: true, step: true, size: true, updatedAt: true } },
      },
    });
    return runs.map((r) => ({
      id: r.id,
      name: r.name,
      task: r.task,
      status: r.status,
      step: r.step,
      experimentName: r.experiment.name,
      checkpoints: r.checkpoints.map((c) => ({ kind: c.kind, step: c.step, size: c.size, updatedAt: c.updatedAt.toISOString() })),
    }));
  }),

  generate: publicProcedure
    .input(
      Target.extend({
        prompt: z.string().max(2000).default(""),
        maxLength: z.number().int().min(1).max(2000).default(200),
        temperature: z.number().min(0.01).max(5).default(0.8),
        topK: z.number().int().min(1).max(100_000).optional(),
        topP: z.number().gt(0).max(1).optional(),
        n: z.number().int().min(1).max(10).default(1),
        seed: z.number().int().min(0).default(0),
        greedy: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => {
      const { runId: _r, kind: _k, ...options } = input;
      return withModel(ctx, input, "generate", (m) => m.generate!(options));
    }),

  score: publicProcedure
    .input(Target.extend({ text: z.string().min(1).max(5000) }))
    .mutation(({ ctx, input }) => withModel(ctx, input, "score", (m) => m.score!(input.text))),

  tag: publicProcedure
    .input(Target.extend({ text: z.string().min(1).max(5000) }))
    .mutation(({ ctx, input }) => withModel(ctx, input, "tag", (m) => m.tag!(input.text))),

  classify: publicProcedure
    .input(Target.extend({ text: z.string().min(1).max(5000) }))
    .mutation(({ ctx, input }) => withModel(ctx, input, "classify", (m) => m.classify!(input.text))),

  /** States over a text (any task): every unit and gate of every layer per token; an LM's top-k next tokens. */
  states: publicProcedure
    .input(
      Target.extend({
        text: z.string().min(1).max(2000, "at most 2000 characters: the view holds units x tokens"),
        topK: z.number().int().min(1).max(20).default(5),
      }),
    )
    .mutation(({ ctx, input }) => withModel(ctx, input, "states", (m) => m.states(input.text, { topK: input.topK }))),

  /** Embeddings, tied vs untied (LM): a word's nearest neighbours in E and V, and how alike E and V are. */
  embeddings: publicProcedure
    .input(Target.extend({ word: z.string().min(1).max(200), k: z.number().int().min(1).max(50).default(10) }))
    .mutation(({ ctx, input }) => withModel(ctx, input, "embeddings", (m) => m.embeddings!(input.word, { k: input.k }))),
});
