/** HOST, default 127.0.0.1. */
export function dashboardHost(): string;
/** PORT; undefined: 3000 or the next free port. */
export function dashboardPort(): string | undefined;
/** UNROLL_TOKEN, undefined when unset or blank. */
export function dashboardToken(): string | undefined;
/** UNROLL_DATA_DIR, then each UNROLL_DATA_ROOTS entry: where launched runs may read data files. */
export function dataRootList(): string[];
/** This environment with `set` on top, for a child process. */
export function childEnv(set?: Record<string, string>): NodeJS.ProcessEnv;
/** CHROMIUM_PATH (default /usr/bin/chromium), and whether it was set. */
export function chromiumPath(): { path: string; given: boolean };
