// @unroll/runner: the worker loop and its parts, for embedding a worker in another process and
// for benchmarks. The CLI (`unroll`) is src/cli/main.ts.
export { runWorker, type WorkerOptions, type WorkerReport } from "./worker.js";
export { executeRun, type ExecuteOptions } from "./execute/execute-run.js";
export { claimNextRun, claimRun, registerWorker, type ClaimedRun, type WorkerIdentity } from "./queue/claim.js";
export { heartbeat, finishRun, markStarted, type Outcome } from "./queue/lifecycle.js";
export { sweepLapsedRuns, sweepLostWorkers, type SweepResult } from "./queue/sweeper.js";
export { enqueueRuns, type RunSpec } from "./queue/enqueue.js";
export { expandSweep, parseSweepAxis, type SweepAxis } from "./queue/sweep.js";
export { RunLogger, type RunLoggerOptions } from "./tracking/run-logger.js";
export { PostgresSink, readCheckpoint } from "./tracking/postgres-sink.js";
export { MemorySink } from "./tracking/memory-sink.js";
export { Spool, replaySpoolDir } from "./tracking/spool.js";
export type { CheckpointRecord, MetricRecord, SampleRecord, TrackingSink } from "./tracking/records.js";
