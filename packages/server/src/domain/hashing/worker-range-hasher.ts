/** A RangeHasher that runs on a worker thread, so hashing uses the second core instead of the event loop. */
import { Worker } from 'node:worker_threads';
import type { HashSource, RangeHasher } from './range-hasher.js';

export interface FoldRequest {
  id: number;
  source: HashSource;
  state: Uint8Array | null;
  start: number;
  end: number;
}

export type FoldResponse = { id: number; state: Uint8Array } | { id: number; error: string };

export class WorkerRangeHasher implements RangeHasher {
  private readonly pending = new Map<number, { resolve: (state: Uint8Array) => void; reject: (error: Error) => void }>();
  private nextId = 1;

  /** `entry` is a worker module that answers FoldRequests (see hash-worker.ts); `workerData` configures it. */
  constructor(private readonly worker: Worker) {
    worker.on('message', (message: FoldResponse) => {
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

  fold(source: HashSource, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, source, state, start, end } satisfies FoldRequest);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
