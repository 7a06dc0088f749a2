// Models for the playground, loaded from checkpoints and kept warm. core (TensorFlow.js) is
// imported on first use only, so the other routers never load it. Calls are serialised: one
// backend, one model call at a time, and an evicted model is disposed only when idle.
import type * as Core from "@unroll/core";
import type { LoadedModel } from "@unroll/core";

export interface CheckpointRef {
  id: string;
  /** Changes when the checkpoint row is replaced (a newer LAST or a better BEST). */
  version: string;
  load(): Promise<Uint8Array>;
}

export interface InferenceOptions {
  /** Models kept loaded (default 3). */
  capacity?: number;
}

export class InferenceService {
  private readonly capacity: number;
  private readonly cache = new Map<string, LoadedModel>();
  private queue: Promise<unknown> = Promise.resolve();
  private core?: Promise<typeof Core>;
  backend?: { name: string; device?: string };

  constructor(options: InferenceOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 3);
  }

  /** Runs fn with the model of that checkpoint, one call at a time. */
  use<T>(ref: CheckpointRef, fn: (model: LoadedModel) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => fn(await this.model(ref)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async model(ref: CheckpointRef): Promise<LoadedModel> {
    const key = `${ref.id}@${ref.version}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit); // most recently used last
      return hit;
    }
    const core = await this.loadCore();
    const model = core.loadModel(await ref.load());
    for (const [k, m] of this.cache) {
      if (k.startsWith(`${ref.id}@`)) {
        m.dispose();
        this.cache.delete(k);
      }
    }
    this.cache.set(key, model);
    while (this.cache.size > this.capacity) {
      const [oldest, m] = this.cache.entries().next().value as [string, LoadedModel];
      m.dispose();
      this.cache.delete(oldest);
    }
    return model;
  }

  private loadCore(): Promise<typeof Core> {
    this.core ??= import("@unroll/core").then(async (core) => {
      const info = await core.initBackend();
      this.backend = { name: info.name, device: info.device };
      return core;
    });
    return this.core;
  }

  dispose(): void {
    for (const m of this.cache.values()) m.dispose();
    this.cache.clear();
  }
}
