// The one home of what the build found (build/status.json) and of the words users see about it:
// the command that fixes a missing addon, and the "slow path" notice that `pnpm install`, `pnpm
// start`, the worker and the run page's device field show.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const STATUS_FILE = join(__dirname, "..", "build", "status.json");

/** Builds again after installing a compiler and OpenBLAS system-wide (works for every cause on Debian/Ubuntu). */
const FIX = `${process.getuid?.() === 0 ? "" : "sudo "}apt-get install -y build-essential libopenblas-dev && pnpm --filter @unroll/native-blas build`;

/** The words every place that mentions a missing addon starts with. */
const SLOW_PATH = "slow path: no OpenBLAS";

/** What the last build wrote: { ok, message, at }, or undefined when it never ran. */
function readStatus() {
  try {
    return JSON.parse(readFileSync(STATUS_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

module.exports = { STATUS_FILE, FIX, SLOW_PATH, readStatus };
