// The dashboard's token (global-setup.ts starts it with UNROLL_TOKEN, so loopback enforces it):
// a browser without the cookie gets the token page and the api answers 401; opening `/?token=`
// sets the cookie, drops the token from the address bar, and the dashboard works.
import { expect, test } from "@playwright/test";

const url = (path: string) => `${process.env.E2E_BASE_URL}${path}`;
const status = (path: string) => fetch(path).then((r) => r.status);

test.describe("token", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("without the cookie: the token page, and the api (tRPC and its SSE) answers 401", async ({ page, request }) => {
    const res = await page.goto(url("/runs/nope"));
    expect(res?.status()).toBe(401);
    await expect(page.getByRole("heading", { name: "Token required" })).toBeVisible();
    await expect(page.locator("body")).toContainText("ssh -L 3000:127.0.0.1:3000");
    expect(await page.evaluate(status, "/api/trpc/run.list")).toBe(401);
    expect(await page.evaluate(status, `/api/trpc/live.runs?input=${encodeURIComponent("{}")}`)).toBe(401);
    // API clients: the bearer header.
    const api = await request.get(url("/api/trpc/experiment.list"), { headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` } });
    expect(api.status()).toBe(200);
  });

  test("opening /?token= sets an HttpOnly cookie, drops the token from the URL, and the dashboard works", async ({ page, context }) => {
    await page.goto(url(`/?token=${process.env.E2E_TOKEN}`));
    expect(page.url()).toBe(url("/"));
    await expect(page.getByRole("heading", { name: "Runs" })).toBeVisible();
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax", value: process.env.E2E_TOKEN });
    expect(await page.evaluate(status, "/api/trpc/run.list")).toBe(200);
  });
});
