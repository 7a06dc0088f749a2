// Using a trained run: `unroll sample`, `score`, `tag`, `classify` (from its BEST checkpoint, else
// LAST) and `unroll export` (the documented checkpoint format, packages/core/CHECKPOINT.md).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CONFIG_LIMITS, exportCheckpoint, initBackend, loadModel, type LoadedModel } from "@unroll/core";
import { readCheckpoint } from "../../tracking/postgres-sink.js";
import type { CommandContext } from "../context.js";
import { resolveRunId } from "../run-ref.js";
import { formatNumber, formatTable } from "../table.js";
import { UsageError } from "../usage-error.js";

async function checkpointOf(ctx: CommandContext): Promise<{ runId: string; kind: string; step: number; data: Uint8Array }> {
  const db = await ctx.db();
  const runId = await resolveRunId(db.pool, ctx.positionals[0]);
  const wanted = ctx.string("checkpoint")?.toUpperCase();
  if (wanted && wanted !== "BEST" && wanted !== "LAST") throw new UsageError(`--checkpoint must be best or last, got ${wanted.toLowerCase()}`);
  for (const kind of wanted ? [wanted as "BEST" | "LAST"] : (["BEST", "LAST"] as const)) {
    const cp = await readCheckpoint(db.pool, runId, kind);
    if (cp) return { runId, kind, ...cp };
  }
  throw new UsageError(
    `run ${runId} has no ${wanted?.toLowerCase() ?? ""} checkpoint yet (checkpoints are written every train.checkpointEvery steps and at the end)`,
  );
}

async function withModel<T>(
  ctx: CommandContext,
  need: keyof LoadedModel,
  what: string,
  fn: (m: LoadedModel, meta: { runId: string; kind: string; step: number }) => Promise<T>,
): Promise<T> {
  const cp = await checkpointOf(ctx);
  await initBackend();
  const model = loadModel(cp.data);
  try {
    if (!model[need])
      throw new UsageError(
        `run ${cp.runId} is a ${model.task} run: it cannot ${what} (use ${model.task === "lm" ? "sample or score" : model.task === "tagger" ? "tag" : "classify"})`,
      );
    return await fn(model, cp);
  } finally {
    model.dispose();
  }
}

function positiveInt(ctx: CommandContext, name: string): number | undefined {
  return ctx.integer(name, { min: 1 });
}

export async function sampleCommand(ctx: CommandContext): Promise<number> {
  const temperature = ctx.number("temperature");
  if (temperature !== undefined && temperature < 0) throw new UsageError(`--temperature must be >= 0, got ${temperature}`);
  const topP = ctx.number("top-p");
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got ${topP}`);
  const topK = positiveInt(ctx, "top-k");
  const greedy = ctx.flag("greedy");
  const drawing = [temperature !== undefined && "--temperature", topK !== undefined && "--top-k", topP !== undefined && "--top-p"].filter(Boolean);
  if (greedy && drawing.length)
    throw new UsageError(
      `--greedy always takes the most likely token, so ${drawing.join(" and ")} would change nothing: drop ${drawing.length > 1 ? "them" : "it"}, or drop --greedy to sample`,
    );
  const options = {
    prompt: ctx.string("prompt"),
    temperature,
    greedy,
    topK,
    topP,
    n: ctx.integer("n", { min: 1, max: 100 }) ?? 1,
    seed: ctx.integer("seed", { min: 0 }) ?? 0,
    maxLength: ctx.integer("max-length", { min: 1, max: CONFIG_LIMITS.sampleLength }) ?? 200,
  };
  return withModel(ctx, "generate", "generate text", async (model, cp) => {
    const texts = await model.generate!(options);
    if (ctx.json) ctx.out(JSON.stringify({ runId: cp.runId, checkpoint: cp.kind.toLowerCase(), step: cp.step, options, samples: texts }));
    else texts.forEach((t, i) => ctx.out(`${texts.length > 1 ? `--- sample ${i + 1}\n` : ""}${t}`));
    return 0;
  });
}

export async function scoreCommand(ctx: CommandContext): Promise<number> {
  const text = ctx.positionals[1];
  if (text === undefined) throw new UsageError('score needs a sentence: unroll score RUN "a sentence"');
  return withModel(ctx, "score", "score sentences", async (model) => {
    const s = await model.score!(text);
    if (ctx.json) ctx.out(JSON.stringify(s));
    else {
      ctx.out(
        formatTable(
          ["token", "log p", "p"],
          s.tokens.map((t) => [JSON.stringify(t.token), t.logProb, Math.exp(t.logProb)]),
        ),
      );
      ctx.out(`sentence log-probability ${formatNumber(s.logProb)} (natural log), perplexity ${formatNumber(s.perplexity)}`);
    }
    return 0;
  });
}

/**
 * `unroll states RUN "a text" [--top-k K]`: every hidden unit (and gate) of every layer over the
 * text's tokens, and a language model's top-k next tokens, as JSON (for notebooks and scripts):
 * { tokens, traces: [{ layer, direction, name, values[unit][token] }], next? }.
 */
export async function statesCommand(ctx: CommandContext): Promise<number> {
  const text = ctx.positionals[1];
  if (text === undefined) throw new UsageError('states needs a text: unroll states RUN "a text"');
  const topK = ctx.integer("top-k", { min: 1, max: 100 }) ?? 5;
  return withModel(ctx, "states", "show states", async (model, cp) => {
    ctx.out(JSON.stringify({ runId: cp.runId, checkpoint: cp.kind.toLowerCase(), step: cp.step, ...(await model.states(text, { topK })) }));
    return 0;
  });
}

export async function tagCommand(ctx: CommandContext): Promise<number> {
  const text = ctx.positionals[1];
  if (text === undefined) throw new UsageError('tag needs a sentence: unroll tag RUN "a sentence"');
  return withModel(ctx, "tag", "tag sentences", async (model) => {
    const tags = await model.tag!(text);
    if (ctx.json) ctx.out(JSON.stringify(tags));
    else
      ctx.out(
        formatTable(
          ["token", "tag"],
          tags.map((t) => [t.token, t.tag]),
        ),
      );
    return 0;
  });
}

export async function classifyCommand(ctx: CommandContext): Promise<number> {
  const text = ctx.positionals[1];
  if (text === undefined) throw new UsageError('classify needs a text: unroll classify RUN "a text"');
  return withModel(ctx, "classify", "classify texts", async (model) => {
    const c = await model.classify!(text);
    if (ctx.json) ctx.out(JSON.stringify(c));
    else {
      ctx.out(`label: ${c.label}`);
      ctx.out(
        formatTable(
          ["label", "probability"],
          Object.entries(c.probabilities).sort((a, b) => b[1] - a[1]),
        ),
      );
    }
    return 0;
  });
}

export async function exportCommand(ctx: CommandContext): Promise<number> {
  const out = ctx.string("out");
  if (!out) throw new UsageError("export needs --out DIR");
  const cp = await checkpointOf(ctx);
  const files = exportCheckpoint(cp.data);
  await mkdir(out, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(out, name), content);
  if (ctx.json) ctx.out(JSON.stringify({ runId: cp.runId, checkpoint: cp.kind.toLowerCase(), step: cp.step, dir: out, files: Object.keys(files) }));
  else ctx.out(`exported run ${cp.runId} (${cp.kind.toLowerCase()} checkpoint, step ${cp.step}) to ${out}: ${Object.keys(files).join(", ")}`);
  return 0;
}
