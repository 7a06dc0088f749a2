// The `unroll` CLI as a user runs it: its own process, with stdout, stderr and the exit code.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../bin/unroll.js", import.meta.url));

export interface UnrollResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/unroll.js ...args` with `env` over this process's environment, in `cwd` (default this process's). */
export function runUnroll(args: readonly string[], env: Record<string, string>, cwd?: string): Promise<UnrollResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
