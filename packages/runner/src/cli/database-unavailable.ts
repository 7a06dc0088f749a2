// One line, not a stack trace, when a command cannot reach the database: refused or reset
// connections, a connect or answer timeout. Seen as raw ECONNRESET traces from `unroll runs`
// while the embedded database's owner was restarting.
const CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "P1001", "P1017"]);
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|no database answers at|Can't reach database server/;

/** The line to print when `error` means the database did not answer, else undefined. */
export function databaseUnavailable(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if ((typeof code === "string" && CODES.has(code)) || MESSAGES.test(message)) {
      const why = typeof code === "string" ? code : (message.split("\n")[0] ?? "");
      return (
        `the database does not answer (${why}). If it is the embedded one, the process that serves it may be ` +
        "restarting: try again in a few seconds (`unroll db status` says who serves it); otherwise check DATABASE_URL and that the server runs."
      );
    }
  }
  return undefined;
}
