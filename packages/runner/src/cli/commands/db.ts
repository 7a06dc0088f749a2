// `unroll db migrate|serve|status|check|migrate:new`: the database package's own CLI.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CommandContext } from "../context.js";
import { UsageError } from "../usage-error.js";

const SUBCOMMANDS = ["migrate", "migrate:new", "serve", "status", "check"];

export async function dbCommand(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.positionals;
  if (!sub || !SUBCOMMANDS.includes(sub))
    throw new UsageError(`unroll db expects one of ${SUBCOMMANDS.join(", ")}${sub ? `; got ${JSON.stringify(sub)}` : ""}`);
  // The bin pnpm links for this package's dependency @unroll/db.
  const bin = fileURLToPath(new URL("../../../node_modules/.bin/unroll-db", import.meta.url));
  const child = spawn(bin, [sub, ...rest], { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
