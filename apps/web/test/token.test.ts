// The dashboard's token rule (src/server/token.mjs): which binds need a token, the constant-time
// comparison, and reading the cookie back.
import { describe, expect, it } from "vitest";
import { cookieName, dashboardUrl, isLoopback, newToken, readCookie, startupToken, tokenMatches } from "../src/server/token.mjs";

describe("isLoopback", () => {
  it.each(["127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LOCALHOST", "app.localhost"])(
    "%s is loopback",
    (host) => {
      expect(isLoopback(host)).toBe(true);
    },
  );
  it.each([
    "0.0.0.0",
    "::",
    "192.168.1.20",
    "10.0.0.5",
    "128.0.0.1",
    "127.0.0",
    "127.0.0.256",
    "127.0.0.1.example.com",
    "localhost.example.com",
    "gpu-box",
    "",
  ])("%s is not", (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});

describe("startupToken", () => {
  it("loopback without UNROLL_TOKEN: no token", () => {
    expect(startupToken("127.0.0.1", undefined)).toEqual({ token: undefined, generated: false });
    expect(startupToken("::1", undefined).token).toBeUndefined();
    expect(startupToken("localhost", undefined).token).toBeUndefined();
  });
  it("UNROLL_TOKEN set: enforced on loopback too, and used off it", () => {
    expect(startupToken("127.0.0.1", "s3cret")).toEqual({ token: "s3cret", generated: false });
    expect(startupToken("0.0.0.0", "s3cret")).toEqual({ token: "s3cret", generated: false });
  });
  it("off loopback without UNROLL_TOKEN: a fresh random one, 32 bytes", () => {
    for (const host of ["0.0.0.0", "192.168.1.20", "::"]) {
      const { token, generated } = startupToken(host, undefined);
      expect(generated).toBe(true);
      expect(Buffer.from(token!, "base64url")).toHaveLength(32);
    }
    expect(newToken()).not.toBe(newToken());
  });
});

describe("tokenMatches", () => {
  const token = newToken();
  it("accepts the right token", () => expect(tokenMatches(token, token)).toBe(true));
  it("rejects wrong, empty, missing, shorter and longer ones", () => {
    expect(tokenMatches(newToken(), token)).toBe(false);
    expect(tokenMatches("", token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
    expect(tokenMatches(null, token)).toBe(false);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches(token.repeat(10), token)).toBe(false);
  });
  it("with no token configured, nothing matches", () => {
    expect(tokenMatches("", undefined)).toBe(false);
    expect(tokenMatches("x", undefined)).toBe(false);
  });
});

describe("readCookie", () => {
  const name = cookieName(3000);
  it("finds the dashboard's cookie among others, decoding it", () => {
    expect(name).toBe("unroll_token_3000");
    expect(readCookie(`a=1; ${name}=abc%3Bdef; b=2`, name)).toBe("abc;def");
    expect(readCookie(`${name}=xyz`, name)).toBe("xyz");
  });
  it("ignores other ports' cookies, absent headers and bad encodings", () => {
    expect(readCookie(`${cookieName(3001)}=xyz`, name)).toBeUndefined();
    expect(readCookie(`x${name}=xyz`, name)).toBeUndefined();
    expect(readCookie(undefined, name)).toBeUndefined();
    expect(readCookie("", name)).toBeUndefined();
    expect(readCookie(`${name}=%E0%A4%A`, name)).toBeUndefined();
  });
});

describe("dashboardUrl", () => {
  it("adds ?token= when there is one, brackets IPv6", () => {
    expect(dashboardUrl("127.0.0.1", 3000)).toBe("http://127.0.0.1:3000/");
    expect(dashboardUrl("::1", 3000, "a b")).toBe("http://[::1]:3000/?token=a%20b");
  });
});
