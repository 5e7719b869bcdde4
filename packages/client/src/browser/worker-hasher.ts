/**
 * The whole-file SHA-1 in a Web Worker (hash-worker.ts), behind the core's AsyncHasher: the main thread only
 * posts each part (a copy: the part's buffer is still being uploaded) and never hashes. One worker per upload,
 * ended by `dispose()` after the digest.
 */
import type { AsyncHasherFactory } from '../core/index.js';
import type { HashReply, HashRequest } from './hash-worker.js';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** `createWorker` makes a worker running `serveSha1Worker(self)`, e.g. `() => new Worker(url, { type: 'module' })`. */
export function workerSha1(createWorker: () => Worker): AsyncHasherFactory {
  return (saved) => {
    const worker = createWorker();
    const waiting = new Map<number, { resolve: (value: string | undefined) => void; reject: (error: Error) => void }>();
    let next = 0;
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      failure ??= error;
      for (const { reject } of waiting.values()) reject(failure);
      waiting.clear();
    };
    worker.onmessage = (event: MessageEvent<HashReply>) => {
      const reply = event.data;
      const entry = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.ok) entry?.resolve(reply.value);
      else entry?.reject(new Error(`SHA-1 worker: ${reply.error}`));
    };
    worker.onerror = (event) => fail(new Error(`SHA-1 worker failed: ${event.message}`));
    // A reply that cannot be deserialised never reaches onmessage: without this its caller would wait forever.
    worker.onmessageerror = () => fail(new Error('SHA-1 worker: a reply could not be deserialised'));
    const call = (request: DistributiveOmit<HashRequest, 'id'>): Promise<string | undefined> => {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ ...request, id });
      });
    };
    const ready = call({ op: 'init', state: saved });
    ready.catch(() => undefined);
    return {
      update: async (bytes) => {
        await call({ op: 'update', bytes });
      },
      save: async () => (await call({ op: 'save' }))!,
      digestHex: async () => (await call({ op: 'digest' }))!,
      dispose: () => {
        worker.terminate();
        fail(new Error('the SHA-1 worker was disposed'));
      },
    };
  };
}
