// Training is synchronous maths between awaits that resolve at once (the wasm and cpu backends
// read values back synchronously), so a loop of steps never reaches the event loop: the timers
// and I/O of the process that trains (a worker's heartbeats and metric flushes, cancel checks,
// an embedded database it serves) would wait until the run does I/O of its own. Measured before
// this: a 200-step run with no checkpoints sent no heartbeat for 44 s, and a second worker took
// it over as crashed. So the loops yield once per step and per evaluation batch: a macrotask
// turn, about 3 microseconds when nothing is waiting (setImmediate in Node; setTimeout elsewhere).

const macrotask: (resume: () => void) => void =
  typeof globalThis.setImmediate === "function" ? (resume) => globalThis.setImmediate(resume) : (resume) => setTimeout(resume, 0);

/** Lets timers and I/O callbacks run, then resumes. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => macrotask(resolve));
}
