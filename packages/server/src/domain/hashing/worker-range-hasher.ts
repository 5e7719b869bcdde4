/** A RangeHasher that runs on a worker thread, so hashing uses the second core instead of the event loop. */
import { Worker } from 'node:worker_threads';
import type { HashSource, RangeHasher } from './range-hasher.js';

export type HashRequest = { id: number } & (
  | { op: 'fold'; source: HashSource; state: Uint8Array | null; start: number; end: number }
  | { op: 'foldLive'; name: string; source: HashSource; start: number; end: number }
  | { op: 'finishLive'; name: string }
  | { op: 'forgetLive'; name: string }
);

export type HashResponse = { id: number; state: Uint8Array | null } | { id: number; error: string };

/** Distributes without `id`, so each member of the union keeps its own fields. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

export class WorkerRangeHasher implements RangeHasher {
  private readonly pending = new Map<number, { resolve: (state: Uint8Array | null) => void; reject: (error: Error) => void }>();
  private nextId = 1;

  /** `worker` runs hash-worker.ts, which answers HashRequests. */
  constructor(private readonly worker: Worker) {
    worker.on('message', (message: HashResponse) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if ('error' in message) waiter.reject(new Error(message.error));
      else waiter.resolve(message.state);
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`hash worker exited with ${code}`)));
    worker.unref();
  }

  async fold(source: HashSource, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array> {
    return (await this.ask({ op: 'fold', source, state, start, end }))!;
  }

  async foldLive(name: string, source: HashSource, start: number, end: number): Promise<void> {
    await this.ask({ op: 'foldLive', name, source, start, end });
  }

  async finishLive(name: string): Promise<Uint8Array> {
    return (await this.ask({ op: 'finishLive', name }))!;
  }

  async forgetLive(name: string): Promise<void> {
    await this.ask({ op: 'forgetLive', name });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private ask(request: Unnumbered<HashRequest>): Promise<Uint8Array | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request } as HashRequest);
    });
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
