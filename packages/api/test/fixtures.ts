// Shared test setup: a fresh migrated database per file (real Postgres and embedded), a caller
// over the app router, and helpers to put runs in given states without a worker.
import { tmpdir } from "node:os";
import { expect } from "vitest";
import { TRPCError } from "@trpc/server";
import { enqueueRuns, writeMetricPoints, type Db } from "@unroll/db";
import { createTestDatabase, type TestDatabase, type TestTarget } from "@unroll/db/testing";
import { parseExperimentConfig } from "@unroll/core/config";
import { isTerminal, runColumns, type RunStatus } from "@unroll/domain";
import { createCaller, createTRPCContext, dataRoots, InferenceService } from "../src/index.js";

export interface Api {
  t: TestDatabase;
  caller: ReturnType<typeof createCaller>;
  inference: InferenceService;
  close(): Promise<void>;
}

/** Tests write their data files under the system's temp directory: launched runs may read there. */
export const TEST_DATA_ROOTS = dataRoots(undefined, [tmpdir()]);

export async function openApi(target: TestTarget): Promise<Api> {
  const t = await createTestDatabase(target);
  const inference = new InferenceService();
  const caller = createCaller(createTRPCContext({ db: t.db, inference, pollMs: 30, dataRoots: TEST_DATA_ROOTS }));
  return {
    t,
    caller,
    inference,
    close: async () => {
      inference.dispose();
      await t.close();
    },
  };
}

/** The smallest useful char LM config (valid; used for queueing, not trained here). */
export const TINY_LM = {
  name: "tiny",
  task: "lm",
  data: { corpus: "tiny-shakespeare" },
  model: { embeddingSize: 16, hiddenSize: 16, tied: true },
  train: { batchSize: 4, bptt: 16, maxSteps: 20, evalEvery: 10, seed: 3 },
} as const;

export interface SeedRun {
  experiment?: string;
  name?: string;
  config?: Record<string, unknown>;
  status?: RunStatus;
  paramCount?: number;
  summary?: Record<string, number>;
  step?: number;
  error?: string;
  tags?: string[];
  metrics?: Record<string, [number, number][]>;
}

/** Inserts a run the way the runner would leave it; returns its id. */
export async function seedRun(db: Db, spec: SeedRun = {}): Promise<string> {
  const config = parseExperimentConfig(spec.config ?? TINY_LM);
  const [id] = await enqueueRuns(db.pool, [{ name: spec.name ?? "run", config, ...runColumns(config), tags: spec.tags }], {
    experiment: spec.experiment ?? "exp",
  });
  await db.pool.query(
    `UPDATE "Run" SET status = $2::"RunStatus", "paramCount" = $3, summary = $4::jsonb, step = $5, error = $6,
            "startedAt" = CASE WHEN $2 <> 'QUEUED' THEN now() END, "finishedAt" = CASE WHEN $7 THEN now() END
      WHERE id = $1`,
    [
      id,
      spec.status ?? "QUEUED",
      spec.paramCount ?? null,
      spec.summary ? JSON.stringify(spec.summary) : null,
      spec.step ?? 0,
      spec.error ?? null,
      isTerminal(spec.status ?? "QUEUED"),
    ],
  );
  const points = Object.entries(spec.metrics ?? {}).flatMap(([key, pts]) => pts.map(([step, value]) => ({ runId: id!, key, step, value })));
  if (points.length) await writeMetricPoints(db.pool, points);
  return id!;
}

/** Awaits a rejected call and checks its tRPC code (and, optionally, the message). */
export async function expectTRPCError(promise: Promise<unknown>, code: TRPCError["code"], message?: RegExp): Promise<TRPCError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(TRPCError);
  const e = error as TRPCError;
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}

export async function countRuns(db: Db): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Run"`);
  return Number(rows[0]!.n);
}
