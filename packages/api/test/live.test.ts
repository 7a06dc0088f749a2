// live router: server-sent-event subscriptions yield a new version when the runs change, and a
// run's new metric points (each once), resuming from a tracked id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTrackedEnvelope } from "@trpc/server";
import { writeMetricPoints } from "@unroll/db";
import { testTargets } from "@unroll/db/testing";
import { createCaller, createTRPCContext, handleTrpcRequest, LIVE_LIMITS, LiveSubscribers } from "../src/index.js";
import { expectTRPCError, openApi, seedRun, type Api } from "./fixtures.js";

/** Reads from an async iterable until `until` says stop or the timeout passes. */
async function take<T>(iterable: AsyncIterable<T>, until: (items: T[]) => boolean, timeoutMs = 10_000): Promise<T[]> {
  const items: T[] = [];
  const it = iterable[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(items)) {
      const next = await Promise.race([it.next(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), Math.max(1, deadline - Date.now())))]);
      if (next === "timeout") throw new Error(`timed out after ${items.length} item(s): ${JSON.stringify(items).slice(0, 500)}`);
      if (next.done) break;
      items.push(next.value);
    }
  } finally {
    await it.return?.();
  }
  return items;
}

describe.each(await testTargets())("live router on %s", (target) => {
  let api: Api;
  beforeAll(async () => {
    api = await openApi(target);
  });
  afterAll(() => api?.close());

  it("yields a version now, then again when a run changes", async () => {
    const controller = new AbortController();
    const caller = createCaller(createTRPCContext({ db: api.t.db, inference: api.inference, pollMs: 30 }), { signal: controller.signal });
    const sub = await caller.live.runs();
    let id = "";
    const items = await take(sub, (xs) => {
      if (xs.length === 1) void seedRun(api.t.db, { name: "new" });
      return xs.length >= 2;
    });
    controller.abort();
    for (const item of items) {
      expect(isTrackedEnvelope(item)).toBe(true);
      const [eventId, data] = item as unknown as [string, { version: string }];
      expect(data.version).toBe(eventId);
      expect(eventId).not.toBe(id);
      id = eventId;
    }
  });

  it("streams a run's new points once each, with its state, and resumes from the tracked id", async () => {
    const runId = await seedRun(api.t.db, {
      name: "streaming",
      status: "RUNNING",
      metrics: {
        "train/loss": [
          [1, 5],
          [2, 4],
        ],
      },
    });
    const sub = await api.caller.live.run({ runId, keys: ["train/loss", "valid/perplexity"] });
    const events = await take(sub, (xs) => {
      if (xs.length === 1)
        void writeMetricPoints(api.t.db.pool, [
          { runId, key: "train/loss", step: 3, value: 3 },
          { runId, key: "valid/perplexity", step: 3, value: 20 },
        ]);
      const steps = xs.flatMap((x) => (x as unknown as [string, { points: Record<string, { steps: number[] }> }])[1].points["train/loss"]?.steps ?? []);
      return steps.includes(3);
    });
    const payloads = events.map(
      (e) => (e as unknown as [string, { run: { status: string }; points: Record<string, { steps: number[]; values: number[] }> }])[1],
    );
    expect(payloads[0]!.run.status).toBe("RUNNING");
    expect(payloads.flatMap((p) => p.points["train/loss"]?.steps ?? [])).toEqual([1, 2, 3]);
    const lastId = (events.at(-1) as unknown as [string])[0];

    // A reconnect with the last id gets only what came after it.
    await writeMetricPoints(api.t.db.pool, [{ runId, key: "train/loss", step: 4, value: 2 }]);
    await api.t.db.pool.query(`UPDATE "Run" SET status = 'COMPLETED' WHERE id = $1`, [runId]);
    const resumed = await take(await api.caller.live.run({ runId, keys: ["train/loss", "valid/perplexity"], lastEventId: lastId }), (xs) => xs.length >= 1);
    const [, first] = resumed[0] as unknown as [string, { run: { status: string }; points: Record<string, { steps: number[] }> }];
    expect(first.run.status).toBe("COMPLETED");
    expect(first.points["train/loss"]!.steps).toEqual([4]);
    expect(first.points["valid/perplexity"]).toBeUndefined();
  });

  it("ends with run: null when the run is deleted", async () => {
    const events = await take(await api.caller.live.run({ runId: "gone", keys: ["train/loss"] }), () => false);
    expect((events[0] as unknown as [string, { run: null }])[1].run).toBeNull();
  });

  it("holds at most perClient streams per client and total in all; a closed stream frees its place", async () => {
    const live = new LiveSubscribers({ perClient: 2, total: 3 });
    const controllers: AbortController[] = [];
    const open = async (client: string) => {
      const controller = new AbortController();
      controllers.push(controller);
      const caller = createCaller(createTRPCContext({ db: api.t.db, inference: api.inference, pollMs: 30, client, live }), { signal: controller.signal });
      return caller.live.runs();
    };
    const a1 = await open("10.0.0.1");
    await open("10.0.0.1"); // never iterated: counted until its request ends
    await expectTRPCError(
      open("10.0.0.1"),
      "TOO_MANY_REQUESTS",
      /this client already holds 2 live streams, the most the server allows one client: close some dashboard tabs/,
    );
    await open("10.0.0.2");
    await expectTRPCError(open("10.0.0.3"), "TOO_MANY_REQUESTS", /the server already holds 3 live streams, the most it allows/);
    expect([live.count("10.0.0.1"), live.count("10.0.0.2"), live.count()]).toEqual([2, 1, 3]);
    await take(a1, (xs) => xs.length >= 1); // read, then returned: its place is free
    expect(live.count("10.0.0.1")).toBe(1);
    controllers[1]!.abort(); // the request of the one never read ends
    expect(live.count()).toBe(1);
    await open("10.0.0.3");
    for (const c of controllers) c.abort();
    expect(live.count()).toBe(0);
  });

  it("over HTTP: the stream past a client's limit ends with a TOO_MANY_REQUESTS error, clients keyed by x-forwarded-for", async () => {
    const live = new LiveSubscribers({ perClient: 1, total: LIVE_LIMITS.total });
    const controllers: AbortController[] = [];
    const get = (client: string) => {
      const controller = new AbortController();
      controllers.push(controller);
      const req = new Request("http://localhost/api/trpc/live.runs", { headers: { "x-forwarded-for": `${client}, 127.0.0.1` }, signal: controller.signal });
      return handleTrpcRequest(req, {
        endpoint: "/api/trpc",
        createContext: ({ client }) => createTRPCContext({ db: api.t.db, inference: api.inference, pollMs: 30, client, live }),
      });
    };
    const first = await get("192.0.2.7");
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    await reader.read(); // the stream is open and counted
    expect(live.count("192.0.2.7")).toBe(1);
    // tRPC answers every subscription 200 and sends a failure as the stream's error event.
    const second = await (await get("192.0.2.7")).text();
    expect(second).toMatch(/event: serialized-error\ndata: .*"code":"TOO_MANY_REQUESTS".*"httpStatus":429/);
    expect(second).toContain("this client already holds 1 live streams");
    expect(live.count("192.0.2.7")).toBe(1);
    const other = await (await get("192.0.2.8")).body!.getReader().read();
    expect(new TextDecoder().decode(other.value)).toContain("event: connected");
    expect(live.count("192.0.2.8")).toBe(1);
    await reader.cancel();
    for (const c of controllers) c.abort();
    await new Promise((r) => setTimeout(r, 100));
    expect(live.count()).toBe(0);
  });
});
