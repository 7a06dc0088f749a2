// How many live subscriptions (server-sent event streams, each a database poll every pollMs) the
// server holds at once: per client and in all. A stream past them is refused (TOO_MANY_REQUESTS)
// rather than add another poller; the total bounds what clients that give other addresses cost.

/** Per client: a dashboard tab holds one or two streams, so this is many tabs. */
export const LIVE_LIMITS = { perClient: 16, total: 128 } as const;

export interface LiveLimits {
  perClient: number;
  total: number;
}

/** The server is holding as many live streams as it allows (for this client, or in all). */
export class LiveLimitError extends Error {
  override name = "LiveLimitError";
}

/** Open streams counted by client; `enter` returns the function that ends one. */
export class LiveSubscribers {
  readonly #byClient = new Map<string, number>();
  #total = 0;

  constructor(readonly limits: LiveLimits = LIVE_LIMITS) {}

  /** Counts one more stream for `client`; throws LiveLimitError when it would pass a limit. */
  enter(client: string): () => void {
    const mine = this.#byClient.get(client) ?? 0;
    if (mine >= this.limits.perClient) {
      throw new LiveLimitError(`this client already holds ${mine} live streams, the most the server allows one client: close some dashboard tabs and reload`);
    }
    if (this.#total >= this.limits.total) {
      throw new LiveLimitError(`the server already holds ${this.#total} live streams, the most it allows: close some dashboard tabs, or try again later`);
    }
    this.#byClient.set(client, mine + 1);
    this.#total++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#total--;
      const left = (this.#byClient.get(client) ?? 1) - 1;
      if (left > 0) this.#byClient.set(client, left);
      else this.#byClient.delete(client);
    };
  }

  /** Streams open now, for `client` or in all. */
  count(client?: string): number {
    return client === undefined ? this.#total : (this.#byClient.get(client) ?? 0);
  }
}

/** One count for the whole process: every request's context shares it. */
export const PROCESS_SUBSCRIBERS = new LiveSubscribers();
