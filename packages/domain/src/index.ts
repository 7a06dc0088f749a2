// @unroll/domain: the facts the runner, the api and the web app share, each kept here once (t3's
// `validators`: tiny and pure). Imports only @unroll/core/config and zod.
export {
  CANCELLABLE_STATUSES,
  canTransition,
  isRunStatus,
  isTerminal,
  RUN_STATUSES,
  RUN_TRANSITIONS,
  TERMINAL_STATUSES,
  type RunStatus,
} from "./run-status.js";
export {
  ALL_MAIN_METRICS,
  DB_UNREACHABLE_KEY,
  ENTITY_TYPE_METRICS,
  entityTypeKey,
  MAIN_METRICS,
  mainMetricKeys,
  METRIC_KEYS,
  summaryKey,
  SYSTEM_PREFIX,
  type EntityTypeMetric,
} from "./metric-keys.js";
export { entityTypeSeries, tagRecall, topConfusions, type Confusion, type TagReportDoc, type TypeScoresDoc } from "./tag-report.js";
export { describeSweepSize, SEED_KEY, sweepOverrides, sweepProblems, sweepRuns, sweepSize, type SweepAxis, type SweepProblem, type SweepRun } from "./sweep.js";
export { baseRunName, runName, type RunNameBase } from "./run-names.js";
export { runColumns, type RunColumns } from "./run-columns.js";
export { DIAGNOSTIC_KIND_LIST, DIAGNOSTIC_KINDS, type DiagnosticKind, type StartNotesDoc } from "./diagnostic-kinds.js";
export { checkConfig, formatConfigIssues, type ConfigCheck, type ConfigIssue } from "./config-issues.js";
