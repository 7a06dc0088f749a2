// A TCP proxy the tests can cut and restore, to take "the database" away from a worker and give
// it back, on either target. Loopback only.
import net from "node:net";

export class TcpProxy {
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  #blackholed = false;
  port = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.#server = net.createServer((client) => {
      if (this.#blackholed) {
        // Accepted, then silence: no answer, no reset (a partition or a dead host).
        this.#sockets.add(client);
        client.on("close", () => this.#sockets.delete(client));
        client.on("error", () => client.destroy());
        client.on("data", () => {});
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  /** Drops every connection and refuses new ones, like a database that went down. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /**
   * Silence without a reset: open connections stop carrying bytes either way and new ones are
   * accepted but never answered, as in a network partition. `heal()` ends it.
   */
  blackhole(): void {
    this.#blackholed = true;
    for (const s of this.#sockets) {
      s.unpipe();
      s.removeAllListeners("data");
      s.on("data", () => {}); // read and drop
    }
  }

  /** The partition heals: new connections reach the database again (the silenced ones are dropped). */
  heal(): void {
    this.#blackholed = false;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /** The database is back, on the same port. */
  async restore(): Promise<void> {
    await this.start();
  }

  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }
}
