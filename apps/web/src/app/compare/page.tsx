import { Suspense } from "react";
import { ComparePage } from "~/components/compare-page";
import { HydrateClient } from "~/trpc/server";

export const dynamic = "force-dynamic";

// The series are asked for at the chart's measured width, so nothing is prefetched here.
export default function Page() {
  return (
    <HydrateClient>
      <Suspense>
        <ComparePage />
      </Suspense>
    </HydrateClient>
  );
}
