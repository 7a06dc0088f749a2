// Server components start queries before the page's scripts run (anchor: create-t3-turbo
// apps/nextjs/src/trpc/server.tsx): `prefetch(trpc.x.queryOptions(input))` in the page, its
// children inside <HydrateClient>; the client's useQuery with the same input picks up the
// pending result instead of asking again. Only for procedures whose output is plain JSON (no
// Dates): the browser gets it through React's serialisation, not tRPC's HTTP link.
import "server-only";
import type { ReactNode } from "react";
import { cache } from "react";
import { dehydrate, HydrationBoundary, type FetchQueryOptions, type QueryKey } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { appRouter } from "@unroll/api";
import { serverContext } from "~/server/context";
import { makeQueryClient } from "./query-client";

/** One QueryClient per request. */
const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy({ ctx: serverContext, router: appRouter, queryClient: getQueryClient });

/** Starts a query without waiting for it; errors surface in the client's useQuery. */
export function prefetch<TQueryFnData, TError, TData, TQueryKey extends QueryKey>(options: FetchQueryOptions<TQueryFnData, TError, TData, TQueryKey>): void {
  void getQueryClient().prefetchQuery(options);
}

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
