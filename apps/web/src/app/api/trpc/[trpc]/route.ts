// Mounts @unroll/api: queries and mutations over HTTP (batched), subscriptions over SSE.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@unroll/api";
import { serverContext } from "~/server/context";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => serverContext(),
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"}: ${error.message}`, error.cause ?? "");
    },
  });
}

export { handler as GET, handler as POST };
