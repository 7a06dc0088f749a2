// The app router: one small router per resource (anchor: create-t3-turbo packages/api/src/root.ts).
import { compareRouter } from "./router/compare.js";
import { diagnosticsRouter } from "./router/diagnostics.js";
import { experimentRouter } from "./router/experiment.js";
import { launchRouter } from "./router/launch.js";
import { liveRouter } from "./router/live.js";
import { metricsRouter } from "./router/metrics.js";
import { paramsRouter } from "./router/params.js";
import { playgroundRouter } from "./router/playground.js";
import { runRouter } from "./router/run.js";
import { selectionRouter } from "./router/selection.js";
import { tyingRouter } from "./router/tying.js";
import { createTRPCRouter } from "./trpc.js";

export const appRouter = createTRPCRouter({
  experiment: experimentRouter,
  run: runRouter,
  selection: selectionRouter,
  launch: launchRouter,
  metrics: metricsRouter,
  compare: compareRouter,
  params: paramsRouter,
  tying: tyingRouter,
  playground: playgroundRouter,
  diagnostics: diagnosticsRouter,
  live: liveRouter,
});

export type AppRouter = typeof appRouter;
