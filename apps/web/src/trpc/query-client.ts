// One QueryClient setup for the browser (trpc/react.tsx) and for server components that prefetch
// (trpc/server.tsx): a query still pending on the server is handed to the browser with its
// promise (streamed), so the page's data is fetched while its scripts load and hydrate.
import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        refetchOnWindowFocus: false,
        // Client errors (bad input, not found) will not fix themselves; network blips may.
        retry: (count, error) => count < 2 && !(error instanceof TRPCClientError && (error.data as { httpStatus?: number } | undefined)?.httpStatus === 404),
      },
      dehydrate: { shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending" },
    },
  });
}
