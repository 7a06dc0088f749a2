// A run's life (the Postgres enum RunStatus): queued, claimed by a worker, then finished in one of
// three ways, or crashed (heartbeat lapsed) and claimed again while it has attempts left. The
// runner's SQL makes these moves; this table is what every side may assume about them.

export const RUN_STATUSES = ["QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Every move a run's status may make. A status missing from a list cannot follow it. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  // claimed by a worker; cancelled before it started
  QUEUED: ["RUNNING", "CANCELLED"],
  // finished, stopped by a cancel, lost its heartbeat (the sweeper), or given back on shutdown
  RUNNING: ["COMPLETED", "FAILED", "CANCELLED", "CRASHED", "QUEUED"],
  // resumed from its last checkpoint by the next claim (attempts left), or cancelled while waiting
  CRASHED: ["RUNNING", "CANCELLED"],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
};

/** Statuses no run leaves: its outcome is recorded (a CRASHED run may still resume or be cancelled). */
export const TERMINAL_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => RUN_TRANSITIONS[s].length === 0);

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: string, to: RunStatus): boolean {
  return isRunStatus(from) && RUN_TRANSITIONS[from].includes(to);
}

/** True for a status no run leaves (COMPLETED, FAILED, CANCELLED). */
export function isTerminal(status: string): boolean {
  return isRunStatus(status) && TERMINAL_STATUSES.includes(status);
}

/** Statuses a cancel applies to: queued, running or crashed (waiting to resume). */
export const CANCELLABLE_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter((s) => RUN_TRANSITIONS[s].includes("CANCELLED"));
