// Serves one PGlite to many clients on the Postgres wire protocol.
//
// PGlite is a single Postgres backend, so the clients take turns on it, and a turn must never end
// where the backend still holds the client's state:
// - a client's messages are cut into UNITS, each ending where the client waits for an answer:
//   Sync ('S'), simple Query ('Q'), Flush ('H'), FunctionCall ('F'), CopyDone/CopyFail ('c'/'f').
//   A unit runs whole: one execProtocolRawStream call, its response written to that client only.
// - one global lock over the backend: a client takes it to run a unit and keeps it until a
//   response ends in ReadyForQuery with status 'I'. So a batch that paused on Flush (pg's cursors
//   do: Execute+Flush until the portal is done, then Sync) and an open or failed transaction
//   ('T'/'E') keep the others waiting until they end.
// - a client that disconnects while holding the lock is cleaned up through PGlite: CopyFail + Sync
//   (ends a COPY or a batch; ignored otherwise), then ROLLBACK if a transaction is open.
// - startup: SSLRequest/GSSENCRequest are answered 'N'; the startup packet goes to PGlite (its
//   answer: AuthenticationOk, parameters, ReadyForQuery); a CancelRequest closes the connection
//   and cancels nothing (a running statement is a synchronous Wasm call: nothing could stop it).
// - Terminate ('X') closes the connection; the client's unfinished messages are dropped. A message
//   type a client may not send here closes it too (Postgres would end its backend over it).
// - COPY TO STDOUT works. COPY FROM STDIN does not: PGlite cannot wait for data that has not come
//   yet, it exits its backend (and every later query hangs). So a Query or Parse containing one is
//   swapped for a statement that fails in its place (aborting the transaction, as errors do).
// Requests are buffered without a bound while a client waits its turn (clients wait for answers).
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

export interface WireServerOptions {
  db: PGlite;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Connections beyond this are refused with SQLSTATE 53300. */
  maxConnections: number;
}

const PROTOCOL_MAJOR_3 = 3;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_STARTUP_PACKET = 10_000;
const MAX_MESSAGE = 0x3fffffff; // Postgres's own limit, 1 GB
const code = (c: string) => c.charCodeAt(0);
const FRONTEND_TYPES = new Set([..."BCDEFHPQSXcdf"].map(code));
const UNIT_ENDS = new Set([..."SQHFcf"].map(code));
const FLUSH = code("H");
const TERMINATE = code("X");
const COPY_FROM_STDIN = /\bcopy\b[\s\S]*\bfrom\s+stdin\b/i;
const INSTEAD_OF_COPY_FROM_STDIN = `SELECT FROM "COPY FROM STDIN is not supported by the embedded database"`;

export class PGliteWireServer {
  private readonly server: Server;
  private readonly backend: Backend;
  private readonly connections = new Set<Connection>();
  private listeningPort = 0;

  constructor(private readonly options: WireServerOptions) {
    this.backend = new Backend(options.db);
    this.server = createServer((socket) => this.accept(socket));
  }

  /** The port it listens on (known once started). */
  get port(): number {
    return this.listeningPort;
  }

  /** Listen; rejects with the listen error (e.g. code EADDRINUSE). */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.server.on("error", (error) => console.error("[wire-server] server error:", error));
    const address = this.server.address();
    this.listeningPort = typeof address === "object" && address ? address.port : 0;
  }

  /** Stop listening, close every connection (rolling back its open transaction) and wait for that. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.socket.destroy();
    await Promise.all([...this.connections].map((c) => c.finished));
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.options.maxConnections) {
      socket.on("error", (error) => logSocketError("refused connection", error));
      socket.end(errorResponse("53300", "sorry, too many clients already"), () => socket.destroy());
      return;
    }
    const connection = new Connection(socket, this.backend);
    this.connections.add(connection);
    void connection.finished.then(() => this.connections.delete(connection));
  }
}

/** PGlite behind one lock, taken per client: see the top of this file. */
class Backend {
  private holder: Connection | undefined;
  private readonly waiting: { who: Connection; grant: (granted: boolean) => void }[] = [];

  constructor(private readonly db: PGlite) {}

  /** Resolves true once `who` holds the backend, false if `who` gave up waiting (disconnected). */
  acquire(who: Connection): Promise<boolean> {
    if (this.holder === undefined) this.holder = who;
    if (this.holder === who) return Promise.resolve(true);
    return new Promise((grant) => this.waiting.push({ who, grant }));
  }

  holds(who: Connection): boolean {
    return this.holder === who;
  }

  release(who: Connection): void {
    if (this.holder !== who) return;
    const next = this.waiting.shift();
    this.holder = next?.who;
    next?.grant(true);
  }

  /** Stop waiting on behalf of `who`. */
  withdraw(who: Connection): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]?.who === who) this.waiting.splice(i, 1)[0]?.grant(false);
    }
  }

  /** Run frontend messages on PGlite (the caller holds the backend); returns PGlite's response. */
  async run(messages: Uint8Array): Promise<Buffer> {
    const chunks: Buffer[] = [];
    // The raw stream, not execProtocolRaw: that one also parses every response into results that
    // nobody reads and PGlite keeps (a leak in a long-running server).
    await this.db.runExclusive(() => this.db.execProtocolRawStream(messages, { onRawData: (data) => chunks.push(Buffer.from(data)) }));
    return Buffer.concat(chunks);
  }
}

let nextConnectionId = 1;

/** One client: frames its bytes into messages, queues its units, runs them in turn. */
class Connection {
  readonly finished: Promise<void>;
  private readonly id = nextConnectionId++;
  private readonly reader = new FrameReader();
  private startedUp = false;
  /** After Terminate or a protocol error: the rest of the input is ignored. */
  private ignoreInput = false;
  private unit: Buffer[] = [];
  /** The backend's state this client left: its last ReadyForQuery status, undefined mid-batch. */
  private status: string | undefined = "I";
  private closed = false;
  /** The units not yet run, as a promise chain: they run one after another. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: Socket,
    private readonly backend: Backend,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => logSocketError(`client #${this.id}`, error));
    this.finished = new Promise((resolve) => socket.once("close", () => resolve(this.close())));
  }

  private receive(chunk: Buffer): void {
    if (this.ignoreInput) return;
    this.reader.push(chunk);
    try {
      for (let m = this.reader.next(this.startedUp); m && !this.ignoreInput; m = this.reader.next(this.startedUp)) {
        if (this.startedUp) this.message(m);
        else this.startup(m);
      }
    } catch (error) {
      this.log("protocol error:", error);
      this.ignoreInput = true;
      this.socket.end(errorResponse("08P01", (error as Error).message));
    }
  }

  private startup(packet: Buffer): void {
    const request = packet.readInt32BE(4);
    if (request === SSL_REQUEST || request === GSSENC_REQUEST) {
      this.socket.write("N");
    } else if (request === CANCEL_REQUEST) {
      this.ignoreInput = true;
      this.socket.end();
    } else if (request >> 16 === PROTOCOL_MAJOR_3) {
      this.startedUp = true;
      this.enqueue(packet);
    } else {
      this.ignoreInput = true;
      this.socket.end(errorResponse("0A000", `unsupported frontend protocol ${request >> 16}.${request & 0xffff}`));
    }
  }

  private message(m: Buffer): void {
    const type = m[0] ?? 0;
    if (!FRONTEND_TYPES.has(type)) throw new Error(`invalid frontend message type ${type}`);
    if (type === TERMINATE) {
      this.ignoreInput = true;
      this.queue = this.queue.then(() => void this.socket.end());
      return;
    }
    this.unit.push(withoutCopyFromStdin(m));
    if (!UNIT_ENDS.has(type)) return;
    const unit = Buffer.concat(this.unit);
    this.unit = [];
    // A lone Flush asks for nothing (each unit's answer is sent whole), and run from an idle
    // client it would leave that client holding the backend.
    if (!(unit.length === 5 && type === FLUSH)) this.enqueue(unit);
  }

  private enqueue(unit: Buffer): void {
    this.queue = this.queue.then(() => this.runUnit(unit));
  }

  private async runUnit(unit: Buffer): Promise<void> {
    if (this.closed || !(await this.backend.acquire(this))) return;
    try {
      const response = await this.backend.run(unit);
      this.status = readyStatus(response);
      if (response.length > 0 && this.socket.writable) this.socket.write(response);
    } catch (error) {
      this.status = undefined; // unknown: reset on close
      this.log(`PGlite failed on a unit starting with message ${JSON.stringify(String.fromCharCode(unit[0] ?? 0))}:`, error);
      this.ignoreInput = true;
      this.socket.end(errorResponse("XX000", `embedded database error: ${(error as Error).message}`));
      return;
    }
    if (this.status === "I") this.backend.release(this);
  }

  /** The socket closed: drop what is queued, wait for a running unit, reset the backend if held. */
  private async close(): Promise<void> {
    this.closed = true;
    this.backend.withdraw(this);
    await this.queue;
    if (!this.backend.holds(this)) return;
    try {
      if (this.status === undefined) this.status = readyStatus(await this.backend.run(COPY_FAIL_AND_SYNC));
      if (this.status !== "I") this.status = readyStatus(await this.backend.run(ROLLBACK));
      if (this.status !== "I") this.log(`disconnected mid-transaction; after ROLLBACK the backend reports '${this.status}'`);
    } catch (error) {
      this.log("could not reset the backend after a disconnect:", error);
    } finally {
      this.backend.release(this);
    }
  }

  private log(what: string, ...details: unknown[]): void {
    console.error(`[wire-server] client #${this.id} (port ${this.socket.remotePort}): ${what}`, ...details);
  }
}

/**
 * Cuts a byte stream into whole messages: startup packets (int32 length, then the body) until
 * the startup, typed ones (a type byte, then int32 length) after it. Copies each byte once.
 */
class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  next(typed: boolean): Buffer | undefined {
    const header = typed ? 5 : 4;
    if (this.size < header) return undefined;
    if ((this.chunks[0]?.length ?? 0) < header) this.merge();
    const first = this.chunks[0] as Buffer;
    const length = first.readInt32BE(typed ? 1 : 0);
    if (length < 4 || length > (typed ? MAX_MESSAGE : MAX_STARTUP_PACKET)) {
      throw new Error(`invalid ${typed ? `message (type ${first[0]})` : "startup packet"} length ${length}`);
    }
    const total = length + header - 4;
    if (this.size < total) return undefined;
    this.merge();
    const all = this.chunks[0] as Buffer;
    const rest = all.subarray(total);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return all.subarray(0, total);
  }

  private merge(): void {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
  }
}

// --- Backend messages ---------------------------------------------------------------------------

/**
 * The status of the last ReadyForQuery in a response ('I' idle, 'T' in a transaction, 'E' in a
 * failed one), or undefined when the backend still expects more of the batch (no ReadyForQuery,
 * or a CopyIn/CopyBoth response after it).
 */
function readyStatus(response: Buffer): string | undefined {
  let status: string | undefined;
  for (let at = 0; at + 5 <= response.length; at += 1 + Math.max(4, response.readInt32BE(at + 1))) {
    const type = String.fromCharCode(response[at] ?? 0);
    if (type === "Z") status = String.fromCharCode(response[at + 5] ?? 0);
    else if (type === "G" || type === "W") status = undefined;
  }
  return status;
}

/** A Query or Parse message whose SQL contains a COPY FROM STDIN gets a failing statement instead. */
function withoutCopyFromStdin(m: Buffer): Buffer {
  const type = String.fromCharCode(m[0] ?? 0);
  if (type !== "Q" && type !== "P") return m;
  const start = type === "Q" ? 5 : m.indexOf(0, 5) + 1; // Parse: the statement name comes first
  const end = m.indexOf(0, start);
  if (start === 0 || end < 0 || !COPY_FROM_STDIN.test(m.toString("utf8", start, end))) return m;
  const swapped = Buffer.concat([m.subarray(0, start), Buffer.from(INSTEAD_OF_COPY_FROM_STDIN), m.subarray(end)]);
  swapped.writeInt32BE(swapped.length - 1, 1);
  return swapped;
}

/** A message of `type` whose body is `body` and a NUL. */
function frontendMessage(type: string, body: string): Buffer {
  const message = Buffer.alloc(5 + Buffer.byteLength(body) + 1);
  message.write(type, 0, "latin1");
  message.writeInt32BE(message.length - 1, 1);
  message.write(body, 5);
  return message;
}

const COPY_FAIL_AND_SYNC = Buffer.concat([frontendMessage("f", "client disconnected"), Buffer.from("S\0\0\0\x04", "latin1")]);
const ROLLBACK = frontendMessage("Q", "ROLLBACK");

/** A client that vanishes resets its connection: that is no server error; anything else is logged. */
function logSocketError(context: string, error: NodeJS.ErrnoException): void {
  if (error.code !== "ECONNRESET" && error.code !== "EPIPE") console.error(`[wire-server] ${context}: socket error:`, error);
}

/** A FATAL ErrorResponse (a backend message, framed as frontend ones are). */
function errorResponse(sqlstate: string, message: string): Buffer {
  return frontendMessage("E", `SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0`);
}
