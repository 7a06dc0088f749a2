// Next 16's proxy (formerly middleware; Node.js runtime): every request but the build's static
// files goes through the token gate. The token is UNROLL_TOKEN, which scripts/serve.mjs sets to
// the effective one (the user's, or one generated for a non-loopback bind); unset: no gate.
import type { NextRequest } from "next/server";
import { dashboardToken } from "./env.mjs";
import { gate } from "./server/gate";

export function proxy(req: NextRequest): Response {
  return gate(req, dashboardToken());
}

export const config = {
  matcher: ["/((?!_next/static/).*)"],
};
