// The embedded server under concurrent clients: PGlite is ONE backend, so each client's
// extended-protocol batch (Parse/Bind/Describe/Execute/Sync) must run whole, and an open
// transaction must hold the backend, or clients get each other's parameters and rows.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgliteClusterTemplate, startEmbedded, type EmbeddedServer } from "./embedded.js";
import { PGliteWireServer } from "./wire-server.js";

const CLIENTS = 8;
const QUERIES = 60;
const BIG = 200_000;

interface Shape {
  sql: string;
  params: unknown[];
  /** The row this client must get back. */
  expected: Record<string, unknown>;
}

/**
 * Query q of client c: shapes differ in parameter count and type, every value names c and q, and
 * at any moment the clients run different shapes (so a mixed-up Bind fails or returns wrong rows).
 */
function shape(c: number, q: number): Shape {
  const tag = `c${c}q${q}`;
  const n = c * 1000 + q;
  switch ((q + c) % 7) {
    case 0:
      return { sql: "SELECT $1::int AS n", params: [n], expected: { n } };
    case 1:
      return { sql: "SELECT $1::text AS t, $2::int AS n", params: [tag, n], expected: { t: tag, n } };
    case 2:
      return { sql: "SELECT $1::text[] AS a", params: [[tag, `${tag}-2`, "x,y"]], expected: { a: [tag, `${tag}-2`, "x,y"] } };
    case 3: {
      const j = { tag, n, nested: { list: [c, q] } };
      return { sql: "SELECT $1::jsonb AS j, $2::text AS t", params: [JSON.stringify(j), tag], expected: { j, t: tag } };
    }
    case 4: {
      const b = Buffer.from(`${tag}-bytes`);
      return { sql: "SELECT $1::bytea AS b", params: [b], expected: { b } };
    }
    case 5: {
      const big = tag + "x".repeat(BIG);
      return { sql: "SELECT $1::text AS big, length($1::text) AS len", params: [big], expected: { big, len: big.length } };
    }
    default:
      return {
        sql: "SELECT $1::int AS a, $2::text AS b, $3::int AS c, $4::text[] AS d, $5::jsonb AS e, $6::bytea AS f, $7::text AS g",
        params: [n, tag, q, [tag], JSON.stringify({ tag }), Buffer.from(tag), `${tag}-g`],
        expected: { a: n, b: tag, c: q, d: [tag], e: { tag }, f: Buffer.from(tag), g: `${tag}-g` },
      };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function clients(url: string, count: number): Promise<pg.Client[]> {
  const all = Array.from({ length: count }, () => new pg.Client({ connectionString: url }));
  await Promise.all(all.map((c) => c.connect()));
  return all;
}

/** Resolves true if `promise` settles within ms. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    sleep(ms).then(() => false),
  ]);
}

// --- A tiny frontend for raw-socket tests ---------------------------------------------------------

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const cstr = (s: string) => Buffer.from(`${s}\0`);
const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
function startupPacket(): Buffer {
  const body = Buffer.concat([int32(196608), cstr("user"), cstr("postgres"), cstr("database"), cstr("postgres"), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}
/** Parse (unnamed, no declared types) + Bind of text parameters + Execute. */
function parseBindExecute(sql: string, params: string[]): Buffer {
  const bindParams = params.map((p) => Buffer.concat([int32(Buffer.byteLength(p)), Buffer.from(p)]));
  return Buffer.concat([
    message("P", Buffer.concat([cstr(""), cstr(sql), int16(0)])),
    message("B", Buffer.concat([cstr(""), cstr(""), int16(0), int16(params.length), ...bindParams, int16(0)])),
    message("E", Buffer.concat([cstr(""), int32(0)])),
  ]);
}
const SYNC = message("S", Buffer.alloc(0));
const FLUSH = message("H", Buffer.alloc(0));

/** A socket that collects the backend's messages. */
class RawClient {
  private data = Buffer.alloc(0);
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => (this.data = Buffer.concat([this.data, chunk])));
  }
  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    socket.setNoDelay(true);
    return new RawClient(socket);
  }
  /** The raw bytes received so far (cleared). */
  take(): Buffer {
    const data = this.data;
    this.data = Buffer.alloc(0);
    return data;
  }
  /** Writes one byte per event-loop turn, so the server sees many one-byte TCP chunks. */
  async dribble(bytes: Buffer): Promise<void> {
    for (const byte of bytes) {
      this.socket.write(Buffer.from([byte]));
      await sleep(1);
    }
  }
  /** Waits until the received messages include `count` of `type`; returns them all and clears them. */
  async until(type: string, count = 1, timeoutMs = 10_000): Promise<{ type: string; body: Buffer }[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const messages = this.messages();
      if (messages.filter((m) => m.type === type).length >= count) {
        this.data = Buffer.alloc(0);
        return messages;
      }
      if (Date.now() > deadline) throw new Error(`no '${type}' message; got ${messages.map((m) => m.type).join("")}`);
      await sleep(5);
    }
  }
  private messages(): { type: string; body: Buffer }[] {
    const out: { type: string; body: Buffer }[] = [];
    for (let at = 0; at + 5 <= this.data.length;) {
      const end = at + 1 + this.data.readInt32BE(at + 1);
      if (end > this.data.length) break;
      out.push({ type: String.fromCharCode(this.data[at] ?? 0), body: this.data.subarray(at + 5, end) });
      at = end;
    }
    return out;
  }
}

/** The first column of every DataRow, as text. */
function firstColumns(messages: { type: string; body: Buffer }[]): string[] {
  return messages.filter((m) => m.type === "D").map((m) => m.body.subarray(6, 6 + m.body.readInt32BE(2)).toString());
}

describe("embedded server with concurrent clients", () => {
  let home: string;
  let server: EmbeddedServer;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "unroll-wire-"));
    cpSync(await pgliteClusterTemplate(), join(home, "pgdata"), { recursive: true });
    server = await startEmbedded({ dataDir: join(home, "pgdata"), port: 0 });
    const [setup] = await clients(server.url, 1);
    await setup!.query("CREATE TABLE t (id int PRIMARY KEY, note text)");
    await setup!.end();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it(`${CLIENTS} clients x ${QUERIES} parameterised statements each get exactly their own results`, async () => {
    const all = await clients(server.url, CLIENTS);
    const failures: string[] = [];
    const started = performance.now();
    try {
      await Promise.all(
        all.map(async (client, c) => {
          for (let q = 0; q < QUERIES; q++) {
            const { sql, params, expected } = shape(c, q);
            try {
              const { rows } = await client.query(sql, params);
              expect(rows).toEqual([expected]);
            } catch (error) {
              failures.push(`client ${c} query ${q}: ${(error as Error).message.slice(0, 160)}`);
            }
          }
        }),
      );
    } finally {
      await Promise.all(all.map((c) => c.end()));
    }
    console.log(`${CLIENTS * QUERIES} queries in ${Math.round(performance.now() - started)} ms, ${failures.length} failures`);
    expect(failures).toEqual([]);
  });

  it("an error mid-batch goes to that client only; the others' results stay correct", async () => {
    const all = await clients(server.url, CLIENTS);
    const failures: string[] = [];
    try {
      await Promise.all(
        all.map(async (client, c) => {
          for (let q = 0; q < 20; q++) {
            const bad = (c + q) % 4 === 0;
            try {
              if (bad) {
                const error = await client.query("SELECT $1::int AS n, $2::text AS t", [`bad-c${c}q${q}`, "x"]).then(
                  () => undefined,
                  (e: Error) => e,
                );
                expect(error?.message).toBe(`invalid input syntax for type integer: "bad-c${c}q${q}"`);
              } else {
                const { sql, params, expected } = shape(c, q);
                expect((await client.query(sql, params)).rows).toEqual([expected]);
              }
            } catch (error) {
              failures.push(`client ${c} query ${q}: ${(error as Error).message.slice(0, 160)}`);
            }
          }
        }),
      );
    } finally {
      await Promise.all(all.map((c) => c.end()));
    }
    expect(failures).toEqual([]);
  });

  it("an open transaction holds the backend until COMMIT; other clients wait", async () => {
    const [a, b] = await clients(server.url, 2);
    try {
      await a!.query("BEGIN");
      await a!.query("INSERT INTO t VALUES ($1, $2)", [1, "from a"]);
      const seen = b!.query("SELECT note FROM t WHERE id = $1", [1]);
      const simple = b!.query("SELECT count(*)::int AS n FROM t");
      expect(await settlesWithin(seen, 300)).toBe(false);
      expect((await a!.query("SELECT note FROM t WHERE id = $1", [1])).rows).toEqual([{ note: "from a" }]);
      await a!.query("COMMIT");
      expect((await seen).rows).toEqual([{ note: "from a" }]);
      expect((await simple).rows).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all([a!.end(), b!.end()]);
    }
  });

  it("a failed transaction ('E') still holds the backend until ROLLBACK", async () => {
    const [a, b] = await clients(server.url, 2);
    try {
      await a!.query("BEGIN");
      await expect(a!.query("SELECT $1::int", ["nope"])).rejects.toThrow(/invalid input syntax/);
      const other = b!.query("SELECT $1::int AS n", [7]);
      expect(await settlesWithin(other, 300)).toBe(false);
      await a!.query("ROLLBACK");
      expect((await other).rows).toEqual([{ n: 7 }]);
    } finally {
      await Promise.all([a!.end(), b!.end()]);
    }
  });

  it.each([
    ["ends its connection (Terminate)", (c: pg.Client) => void c.end()],
    ["vanishes (socket destroyed)", (c: pg.Client) => (c as unknown as { connection: { stream: Socket } }).connection.stream.destroy()],
  ])("a client that %s mid-transaction is rolled back and releases the others", async (_how, leave) => {
    const [a, b] = await clients(server.url, 2);
    try {
      a!.on("error", () => undefined); // the destroyed socket
      await a!.query("BEGIN");
      await a!.query("INSERT INTO t VALUES ($1, $2)", [2, "never committed"]);
      const waiting = b!.query("SELECT count(*)::int AS n FROM t WHERE id = $1", [2]);
      expect(await settlesWithin(waiting, 200)).toBe(false);
      leave(a!);
      expect((await waiting).rows).toEqual([{ n: 0 }]);
      // No transaction is left open: b's own BEGIN starts one (no "already in progress" notice).
      const notices: string[] = [];
      b!.on("notice", (n) => notices.push(n.message ?? ""));
      await b!.query("BEGIN");
      await b!.query("ROLLBACK");
      expect(notices).toEqual([]);
    } finally {
      await b!.end();
    }
  });

  it("frames messages sent one byte at a time, several in one chunk, and a Flush-paused batch", async () => {
    const raw = await RawClient.open(server.port);
    try {
      await raw.dribble(startupPacket());
      await raw.until("Z");
      await raw.dribble(Buffer.concat([parseBindExecute("SELECT $1::text || '!' AS v", ["dribbled"]), SYNC]));
      expect(firstColumns(await raw.until("Z"))).toEqual(["dribbled!"]);

      // Two pipelined batches in one write.
      raw.socket.write(Buffer.concat([parseBindExecute("SELECT $1::text", ["one"]), SYNC, parseBindExecute("SELECT $1::text", ["two"]), SYNC]));
      expect(firstColumns(await raw.until("Z", 2))).toEqual(["one", "two"]);

      // Flush without Sync: the batch has begun, so other clients wait until its Sync. (Connect
      // first: a startup packet, too, waits for the backend.)
      const [other] = await clients(server.url, 1);
      try {
        raw.socket.write(Buffer.concat([parseBindExecute("SELECT $1::text", ["flushed"]), FLUSH]));
        expect(firstColumns(await raw.until("C"))).toEqual(["flushed"]);
        const waiting = other!.query("SELECT $1::int AS n", [3]);
        expect(await settlesWithin(waiting, 200)).toBe(false);
        raw.socket.write(SYNC);
        await raw.until("Z");
        expect((await waiting).rows).toEqual([{ n: 3 }]);

        // A client that disconnects mid-batch (after a Flush) releases the others too.
        raw.socket.write(Buffer.concat([parseBindExecute("SELECT $1::text", ["abandoned"]), FLUSH]));
        await raw.until("C");
        const next = other!.query("SELECT $1::text AS t, $2::int AS n", ["after", 4]);
        expect(await settlesWithin(next, 200)).toBe(false);
        raw.socket.destroy();
        expect((await next).rows).toEqual([{ t: "after", n: 4 }]);
      } finally {
        await other!.end();
      }
    } finally {
      raw.socket.destroy();
    }
  });

  it("serves COPY TO STDOUT; refuses COPY FROM STDIN (PGlite would exit its backend) and keeps serving", async () => {
    const [a, b] = await clients(server.url, 2);
    try {
      expect((await a!.query("COPY (SELECT 1) TO STDOUT")).command).toBe("COPY");
      await a!.query("BEGIN");
      await expect(a!.query("COPY t FROM STDIN")).rejects.toThrow(/COPY FROM STDIN is not supported by the embedded database/);
      expect((await a!.query("COMMIT")).command).toBe("ROLLBACK"); // the failure aborted the transaction
      await expect(a!.query("copy t (id) from stdin with (format csv)", [])).rejects.toThrow(/COPY FROM STDIN is not supported/);
      expect((await b!.query("SELECT $1::int AS n", [5])).rows).toEqual([{ n: 5 }]);
    } finally {
      await Promise.all([a!.end(), b!.end()]);
    }
  });

  it("refuses connections beyond maxConnections, and a taken port with code EADDRINUSE", async () => {
    const second = new PGliteWireServer({ db: server.db, host: "127.0.0.1", port: 0, maxConnections: 1 });
    await second.start();
    const url = `postgresql://postgres@127.0.0.1:${second.port}/postgres`;
    const [a] = await clients(url, 1);
    try {
      await expect(clients(url, 1)).rejects.toThrow("sorry, too many clients already");
    } finally {
      await a!.end();
      await second.stop();
    }
    const taken = new PGliteWireServer({ db: server.db, host: "127.0.0.1", port: server.port, maxConnections: 1 });
    await expect(taken.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("closes the connection on a CancelRequest (nothing can be cancelled)", async () => {
    const raw = await RawClient.open(server.port);
    const closed = new Promise((resolve) => raw.socket.once("close", resolve));
    raw.socket.write(Buffer.concat([int32(16), int32(80877102), int32(1), int32(2)]));
    await closed;
  });

  it("closes a connection that sends an invalid message type, and keeps serving the others", async () => {
    const raw = await RawClient.open(server.port);
    const closed = new Promise((resolve) => raw.socket.once("close", resolve));
    raw.socket.write(startupPacket());
    await raw.until("Z");
    raw.socket.write(message("Y", Buffer.alloc(0)));
    const [error] = await raw.until("E");
    expect(error?.body.toString()).toContain("invalid frontend message type 89");
    await closed;
    const [other] = await clients(server.url, 1);
    expect((await other!.query("SELECT $1::int AS n", [6])).rows).toEqual([{ n: 6 }]);
    await other!.end();
  });

  it("answers an SSLRequest with 'N' and then serves the connection", async () => {
    const raw = await RawClient.open(server.port);
    try {
      await new Promise((resolve) => {
        raw.socket.once("data", resolve);
        raw.socket.write(Buffer.concat([int32(8), int32(80877103)]));
      });
      expect(raw.take().toString()).toBe("N");
      raw.socket.write(startupPacket());
      await raw.until("Z");
      raw.socket.write(message("Q", cstr("SELECT 'plain' AS v")));
      expect(firstColumns(await raw.until("Z"))).toEqual(["plain"]);
    } finally {
      raw.socket.destroy();
    }
  });
});
