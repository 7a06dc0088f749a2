// The server's one database connection and inference service, shared by every request (kept on
// globalThis so that dev reloads do not open new pools), opened through the api (the web app
// imports only the api and domain). DATABASE_URL is read by @unroll/db;
// `unroll up` passes it, else the embedded database on this machine is used.
import "server-only";
import { createDb, createTRPCContext, dataRoots, InferenceService, type Context, type Db } from "@unroll/api";
import { dataRootList } from "~/env.mjs";

interface Shared {
  db: Db;
  inference: InferenceService;
  /** Real paths of UNROLL_DATA_DIR and UNROLL_DATA_ROOTS, resolved once at the first request. */
  dataRoots: string[];
}

const g = globalThis as typeof globalThis & { __unrollShared?: Promise<Shared> };

function shared(): Promise<Shared> {
  g.__unrollShared ??= createDb({ max: 8 })
    .then((db) => ({ db, inference: new InferenceService(), dataRoots: dataRoots(undefined, dataRootList()) }))
    .catch((error: unknown) => {
      g.__unrollShared = undefined; // the next request tries again
      throw new Error(`cannot open the tracking database: ${error instanceof Error ? error.message : String(error)}`);
    });
  return g.__unrollShared;
}

/** `client`: the request's sender (the api's clientOf), for per-client limits; server components pass none. */
export async function serverContext({ client = "server" }: { client?: string } = {}): Promise<Context> {
  const { db, inference, dataRoots } = await shared();
  return createTRPCContext({ db, inference, dataRoots, client });
}
