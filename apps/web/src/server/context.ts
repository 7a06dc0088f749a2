// The server's one database connection and inference service, shared by every request (kept on
// globalThis so that dev reloads do not open new pools). DATABASE_URL is read by @unroll/db;
// `unroll up` passes it, else the embedded database on this machine is used.
import "server-only";
import { createTRPCContext, InferenceService, type Context } from "@unroll/api";
import { createDb, type Db } from "@unroll/db";

interface Shared {
  db: Db;
  inference: InferenceService;
}

const g = globalThis as typeof globalThis & { __unrollShared?: Promise<Shared> };

function shared(): Promise<Shared> {
  g.__unrollShared ??= createDb({ max: 8 })
    .then((db) => ({ db, inference: new InferenceService() }))
    .catch((error: unknown) => {
      g.__unrollShared = undefined; // the next request tries again
      throw new Error(`cannot open the tracking database: ${error instanceof Error ? error.message : String(error)}`);
    });
  return g.__unrollShared;
}

export async function serverContext(): Promise<Context> {
  const { db, inference } = await shared();
  return createTRPCContext({ db, inference });
}
