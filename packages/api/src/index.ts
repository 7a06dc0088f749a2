// @unroll/api: tRPC routers over the tracking database, used by the web app, tests and any other
// client. Mount `appRouter` with `createTRPCContext({ db })`; call it in-process with `createCaller`.
import { appRouter } from "./root.js";
import { createCallerFactory } from "./trpc.js";

export { appRouter, type AppRouter } from "./root.js";
export { createTRPCContext, type Context, type ContextOptions } from "./trpc.js";
// The server that mounts the routers opens its database here (the web app imports only the api and domain).
export { createDb, type Db } from "@unroll/db";
export { InferenceService } from "./inference.js";
export { handleTrpcRequest, clientOf, MAX_REQUEST_BYTES, type HttpOptions } from "./http.js";
export { LiveSubscribers, LiveLimitError, LIVE_LIMITS, type LiveLimits } from "./live-limits.js";
// The Context's dataRoots, made from the data directory and the operator's list.
export { dataRoots } from "@unroll/core/data-files";
export { ConflictError, InvalidConfigError, NotFoundError, UnsupportedError } from "./errors.js";
export { planSweep, type SweepAxis, type SweepSpec } from "./sweep.js";
export type { Group, GroupCurve, Stat } from "./groups.js";
export { configTable, type DiffRow } from "./router/compare.js";
export { PRESETS } from "./presets.js";
export type { Series } from "./router/metrics.js";

export const createCaller = createCallerFactory(appRouter);
