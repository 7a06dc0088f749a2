import { Suspense } from "react";
import { TyingPage } from "~/components/tying-page";

export const dynamic = "force-dynamic";

export default function Page() {
  return (
    <Suspense>
      <TyingPage />
    </Suspense>
  );
}
