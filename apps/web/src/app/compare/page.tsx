import { Suspense } from "react";
import { ComparePage } from "~/components/compare-page";

export const dynamic = "force-dynamic";

export default function Page() {
  return (
    <Suspense>
      <ComparePage />
    </Suspense>
  );
}
