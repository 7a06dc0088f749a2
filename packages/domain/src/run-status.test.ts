import { describe, expect, it } from "vitest";
import { CANCELLABLE_STATUSES, canTransition, isTerminal, RUN_STATUSES, RUN_TRANSITIONS, TERMINAL_STATUSES } from "./run-status.js";

describe("the run state machine", () => {
  it("lists the database's statuses, each with its moves", () => {
    expect(RUN_STATUSES).toEqual(["QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual([...RUN_STATUSES].sort());
    for (const targets of Object.values(RUN_TRANSITIONS)) for (const t of targets) expect(RUN_STATUSES).toContain(t);
  });

  it("finishes in COMPLETED, FAILED or CANCELLED, which nothing leaves", () => {
    expect(TERMINAL_STATUSES).toEqual(["COMPLETED", "FAILED", "CANCELLED"]);
    for (const s of TERMINAL_STATUSES) for (const to of RUN_STATUSES) expect(canTransition(s, to), `${s} -> ${to}`).toBe(false);
    expect(isTerminal("COMPLETED")).toBe(true);
    expect(isTerminal("CRASHED")).toBe(false); // it may resume
    expect(isTerminal("DONE")).toBe(false);
  });

  it("claims, resumes, gives back and crashes as the runner's protocol does", () => {
    expect(canTransition("QUEUED", "RUNNING")).toBe(true); // claim
    expect(canTransition("CRASHED", "RUNNING")).toBe(true); // resume while attempts are left
    expect(canTransition("RUNNING", "QUEUED")).toBe(true); // shutdown gives the run back
    expect(canTransition("RUNNING", "CRASHED")).toBe(true); // the sweeper
    expect(canTransition("QUEUED", "COMPLETED")).toBe(false); // never trained
    expect(canTransition("QUEUED", "CRASHED")).toBe(false); // no heartbeat to lapse
    expect(canTransition("BOGUS", "RUNNING")).toBe(false);
  });

  it("cancels what has not finished", () => {
    expect(CANCELLABLE_STATUSES).toEqual(["QUEUED", "RUNNING", "CRASHED"]);
    expect(CANCELLABLE_STATUSES.filter(isTerminal)).toEqual([]);
  });
});
