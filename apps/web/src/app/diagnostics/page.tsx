import { Suspense } from "react";
import { DiagnosticsComparePage } from "~/components/diagnostics-compare";

export const dynamic = "force-dynamic";

export default function Page() {
  return (
    <Suspense>
      <DiagnosticsComparePage />
    </Suspense>
  );
}
