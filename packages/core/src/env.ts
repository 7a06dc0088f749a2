// The one module of core that reads the process environment.

/** Settings core takes from the environment; everything else comes in as arguments. */
export interface CoreEnv {
  /** UNROLL_BACKEND: force a TensorFlow.js backend (see backend.ts). */
  backend: string | undefined;
}

export function readCoreEnv(env: NodeJS.ProcessEnv = process.env): CoreEnv {
  const backend = env["UNROLL_BACKEND"]?.trim();
  return { backend: backend ? backend : undefined };
}
