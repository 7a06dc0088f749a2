import { Suspense } from "react";
import { ComparePage } from "~/components/compare-page";
import { compareIds, DEFAULT_METRIC, seriesInput } from "~/lib/compare";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";

export const dynamic = "force-dynamic";

export default async function Page({ searchParams }: { searchParams: Promise<{ ids?: string | string[] }> }) {
  const { ids } = await searchParams;
  const runIds = compareIds(Array.isArray(ids) ? ids.join(",") : ids);
  // The chart's series (the page's biggest query) start now, not after the page has hydrated.
  if (runIds.length) prefetch(trpc.metrics.series.queryOptions(seriesInput(runIds, DEFAULT_METRIC)));
  return (
    <HydrateClient>
      <Suspense>
        <ComparePage />
      </Suspense>
    </HydrateClient>
  );
}
