import { Suspense } from "react";
import { PlaygroundPage } from "~/components/playground-page";

export const dynamic = "force-dynamic";

export default function Page() {
  return (
    <Suspense>
      <PlaygroundPage />
    </Suspense>
  );
}
