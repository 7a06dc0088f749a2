/** True for 127.0.0.0/8, ::1 ([::1], ::ffff:127.x) and localhost. */
export function isLoopback(host: string): boolean;
/** 32 random bytes, base64url. */
export function newToken(): string;
/** The token enforced when binding `host`: userToken, else generated off loopback, else none. */
export function startupToken(host: string, userToken: string | undefined): { token: string | undefined; generated: boolean };
/** Constant-time comparison (sha256 of both sides); false when either is empty. */
export function tokenMatches(given: string | undefined | null, expected: string | undefined): boolean;
/** Name of the cookie holding the token for the dashboard on `port`. */
export function cookieName(port: string | number): string;
/** Value of cookie `name` in a Cookie header. */
export function readCookie(header: string | null | undefined, name: string): string | undefined;
/** `http://host:port/` with `?token=` when given. */
export function dashboardUrl(host: string, port: string | number, token?: string): string;
/** The effective token and the lines serve.mjs prints at start. */
export function startBanner(options: { host: string; port: string | number; userToken: string | undefined; machineName: string }): {
  token: string | undefined;
  lines: string[];
};
