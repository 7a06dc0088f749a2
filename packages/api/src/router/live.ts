// Live updates over server-sent events (httpSubscriptionLink): async generators that poll the
// database (workers on other machines write there; no other channel exists) and yield only
// changes. The runs stream polls a trigger-kept change counter (one row), not the runs.
// tracked() ids let a reconnecting client resume where it stopped. Each open stream counts
// against the live limits (live-limits.ts): past them, the stream is refused with
// TOO_MANY_REQUESTS (tRPC sends it as the stream's error event, httpStatus 429).
import { tracked } from "@trpc/server";
import { z } from "zod";
import type { Queryable } from "@unroll/db";
import { createTRPCRouter, publicProcedure, type Context } from "../trpc.js";
import { finite } from "./shared.js";

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Changes whenever runs or experiments come and go or a run's listed fields change: the change
 * counter that triggers bump in the writing transaction (migration *_runs_at_scale). One row by
 * primary key, so a poll costs the same at 10 runs and at 10,000.
 */
export async function runsVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ v: string }>(`SELECT version::text AS v FROM "ChangeCounter" WHERE id = 1`);
  const v = rows[0]?.v;
  if (v === undefined) throw new Error(`the "ChangeCounter" row is missing: apply the migrations (pnpm db:migrate)`);
  return v;
}

/**
 * The stream made by `open`, counted against the client's and the server's live limits from now
 * until it ends or the request is aborted (whichever comes first). Over a limit it throws
 * LiveLimitError before any stream exists: no poller starts.
 */
function counted<T>(ctx: Context, signal: AbortSignal | undefined, open: () => AsyncGenerator<T>): AsyncGenerator<T> {
  const leave = ctx.live.enter(ctx.client);
  signal?.addEventListener("abort", leave, { once: true }); // a stream never iterated ends here
  return (async function* () {
    try {
      yield* open();
    } finally {
      signal?.removeEventListener("abort", leave);
      leave();
    }
  })();
}

export interface LivePoints {
  steps: number[];
  values: (number | null)[];
  wallTimes: number[];
}

const encode = (since: Record<string, number>) => Buffer.from(JSON.stringify(since)).toString("base64url");
function decode(id: string | null | undefined): Record<string, number> | undefined {
  if (!id) return undefined;
  try {
    const v = JSON.parse(Buffer.from(id, "base64url").toString()) as unknown;
    return v && typeof v === "object" ? (v as Record<string, number>) : undefined;
  } catch {
    return undefined;
  }
}

export const liveRouter = createTRPCRouter({
  /** A new version id whenever the runs table changes: the client refetches its list. */
  runs: publicProcedure.input(z.object({ lastEventId: z.string().nullish() }).optional()).subscription(({ ctx, input, signal }) =>
    counted(ctx, signal, async function* () {
      let last = input?.lastEventId ?? null;
      while (!signal?.aborted) {
        const version = await runsVersion(ctx.db.pool);
        if (version !== last) {
          last = version;
          yield tracked(version, { version });
        }
        await sleep(ctx.pollMs, signal);
      }
    }),
  ),

  /** One run's state and the metric points logged since `since` (per key, exclusive). */
  run: publicProcedure
    .input(
      z.object({
        runId: z.string().min(1),
        keys: z.array(z.string().min(1)).min(1).max(20),
        since: z.record(z.string(), z.number().int()).default({}),
        lastEventId: z.string().nullish(),
      }),
    )
    .subscription(({ ctx, input, signal }) =>
      counted(ctx, signal, async function* () {
        const since: Record<string, number> = { ...input.since, ...decode(input.lastEventId) };
        let lastState = "";
        while (!signal?.aborted) {
          const { rows: runRows } = await ctx.db.pool.query<{
            status: string;
            step: number;
            error: string | null;
            paramCount: number | null;
            samples: string;
            checkpoints: Date | null;
          }>(
            `SELECT status, step, error, "paramCount",
                  (SELECT count(*) FROM "Sample" s WHERE s."runId" = r.id) AS samples,
                  (SELECT max("updatedAt") FROM "Checkpoint" c WHERE c."runId" = r.id) AS checkpoints
             FROM "Run" r WHERE id = $1`,
            [input.runId],
          );
          const run = runRows[0];
          if (!run) {
            yield tracked(encode(since), { run: null, points: {} as Record<string, LivePoints> });
            return;
          }
          const { rows } = await ctx.db.pool.query<{ key: string; step: number; value: number; wallTime: Date }>(
            `SELECT k.key, m.step, m.value, m."wallTime"
             FROM unnest($2::text[], $3::int[]) AS k(key, after)
             JOIN "MetricSeries" s ON s."runId" = $1 AND s.key = k.key
             CROSS JOIN LATERAL (SELECT step, value, "wallTime" FROM "MetricPoint"
                                  WHERE "seriesId" = s.id AND step > k.after ORDER BY step LIMIT 5000) m
            ORDER BY k.key, m.step`,
            [input.runId, input.keys, input.keys.map((k) => since[k] ?? -2147483648)],
          );
          const points: Record<string, LivePoints> = {};
          for (const r of rows) {
            const p = (points[r.key] ??= { steps: [], values: [], wallTimes: [] });
            p.steps.push(r.step);
            p.values.push(finite(Number(r.value)));
            p.wallTimes.push(r.wallTime.getTime());
            since[r.key] = r.step;
          }
          const state = {
            status: run.status,
            step: run.step,
            error: run.error,
            paramCount: run.paramCount,
            samples: Number(run.samples),
            checkpointsAt: run.checkpoints?.getTime() ?? null,
          };
          const stateKey = JSON.stringify(state);
          if (rows.length > 0 || stateKey !== lastState) {
            lastState = stateKey;
            yield tracked(encode(since), { run: state, points });
          }
          await sleep(ctx.pollMs, signal);
        }
      }),
    ),
});
