// Shared pieces of the runner's tests: a tiny corpus, tiny configs, and workers on a test database.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseExperimentConfig, type ExperimentConfig } from "@unroll/core";

const dir = mkdtempSync(join(tmpdir(), "unroll-runner-test-"));
export const CORPUS = join(dir, "tiny.txt");
writeFileSync(CORPUS, "the quick brown fox jumps over the lazy dog.\n".repeat(300));
export const SPOOL_DIR = join(dir, "spool");

/** A tiny Elman character LM: a few milliseconds a step. */
export function tinyConfig(train: Record<string, unknown> = {}, name = "tiny"): ExperimentConfig {
  return parseExperimentConfig({
    name,
    task: "lm",
    data: { format: "chars", train: CORPUS },
    model: { cell: "elman", embeddingSize: 8, hiddenSize: 8 },
    train: { batchSize: 4, bptt: 8, maxSteps: 4, evalEvery: 0, sampleEvery: 0, checkpointEvery: 0, evalBatches: 1, ...train },
    sample: { maxLength: 8 },
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
