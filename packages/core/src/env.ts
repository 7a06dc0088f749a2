// The one module of core that reads the process environment.

/** Settings core takes from the environment; everything else comes in as arguments. */
export interface CoreEnv {
  /** UNROLL_BACKEND: force a TensorFlow.js backend (see backend.ts). */
  backend: string | undefined;
}

/** The process environment, for functions that take one as an argument (tests pass their own). */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

export function readCoreEnv(env: NodeJS.ProcessEnv = process.env): CoreEnv {
  const backend = env["UNROLL_BACKEND"]?.trim();
  return { backend: backend ? backend : undefined };
}
