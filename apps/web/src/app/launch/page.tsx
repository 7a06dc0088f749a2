import { LaunchPage } from "~/components/launch-page";

export const dynamic = "force-dynamic";

export default function Page() {
  return <LaunchPage />;
}
