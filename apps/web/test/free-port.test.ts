// Two checkouts' dashboards on one machine: the second takes the next free port.
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { choosePort, portFree } from "../scripts/free-port.mjs";

const HOST = "127.0.0.1";
const held: Server[] = [];
function hold(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, HOST, () => {
      held.push(s);
      resolve((s.address() as { port: number }).port);
    });
  });
}
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("choosePort", () => {
  it("keeps the preferred port when it is free", async () => {
    const port = await hold(0); // a port just known to be free once released
    await new Promise((r) => held.pop()?.close(r));
    expect(await choosePort(HOST, port)).toBe(port);
  });

  it("takes the next free one when the preferred port is taken", async () => {
    const taken = await hold(0);
    expect(await portFree(HOST, taken)).toBe(false);
    const chosen = await choosePort(HOST, taken);
    expect(chosen).not.toBe(taken);
    expect(await portFree(HOST, chosen)).toBe(true);
  });
});
