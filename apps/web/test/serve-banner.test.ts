// What scripts/serve.mjs prints at start and hands to `next start` (startBanner): the token URL
// off loopback, nothing new on a plain loopback start.
import { describe, expect, it } from "vitest";
import { startBanner } from "../src/server/token.mjs";

const start = (host: string, userToken?: string) => startBanner({ host, port: "3000", userToken, machineName: "gpu-box" });

describe("serve.mjs start banner", () => {
  it("HOST=0.0.0.0 without UNROLL_TOKEN: a generated token, printed in ready-to-open URLs", () => {
    const { token, lines } = start("0.0.0.0");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(lines).toContain(`dashboard: http://gpu-box:3000/?token=${token}`);
    expect(lines).toContain(`dashboard: http://127.0.0.1:3000/?token=${token}`);
    expect(lines.join("\n")).toContain("ssh -L 3000:127.0.0.1:3000");
  });
  it("a LAN address: its own URL with the token", () => {
    const { token, lines } = start("192.168.1.20");
    expect(lines[0]).toBe(`dashboard: http://192.168.1.20:3000/?token=${token}`);
  });
  it("UNROLL_TOKEN set: that token, on loopback too", () => {
    expect(start("0.0.0.0", "mine").token).toBe("mine");
    const { token, lines } = start("127.0.0.1", "mine");
    expect(token).toBe("mine");
    expect(lines[0]).toBe("dashboard: http://127.0.0.1:3000/?token=mine");
  });
  it("loopback without UNROLL_TOKEN: the plain URL, no token", () => {
    expect(start("127.0.0.1")).toEqual({ token: undefined, lines: ["dashboard: http://127.0.0.1:3000/"] });
    expect(start("::1")).toEqual({ token: undefined, lines: ["dashboard: http://[::1]:3000/"] });
  });
});
