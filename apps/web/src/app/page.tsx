import { Suspense } from "react";
import { RunsPage } from "~/components/runs-page";

export const dynamic = "force-dynamic";

export default function Page() {
  return (
    <Suspense>
      <RunsPage />
    </Suspense>
  );
}
