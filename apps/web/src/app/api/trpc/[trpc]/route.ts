// Mounts @unroll/api: queries and mutations over HTTP (batched), subscriptions over SSE; a
// request body over the api's MAX_REQUEST_BYTES is answered 413 unread.
import { handleTrpcRequest } from "@unroll/api";
import { serverContext } from "~/server/context";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return handleTrpcRequest(req, {
    endpoint: "/api/trpc",
    createContext: serverContext,
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"}: ${error.message}`, error.cause ?? "");
    },
  });
}

export { handler as GET, handler as POST };
