// The dashboard's port: PORT when set (taken or failing, as the user asked), else 3000, or the
// next free one up to 3009, or any free port, so that a second checkout's `pnpm start` on the
// same machine comes up beside the first without a flag.
import { createServer } from "node:net";

/** Resolves true when `port` can be listened on at `host` now. */
export function portFree(host, port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A free port at `host`, trying `preferred`, then the nine after it, then one the OS picks. */
export async function choosePort(host, preferred = 3000) {
  for (let port = preferred; port < preferred + 10; port++) if (await portFree(host, port)) return port;
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ host, port: 0 }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
