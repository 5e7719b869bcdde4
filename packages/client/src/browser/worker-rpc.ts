/**
 * Calls to a hash worker (hash-worker.ts) and their replies, matched by id; a File that changed under the worker
 * is a LocalFileChangedError, as in the bytes path. A worker error, a reply that cannot be
 * deserialised or `dispose()` fails every pending call (no caller waits forever).
 */
import { LocalFileChangedError } from '../core/index.js';
import type { HashReply, HashRequest } from './hash-worker.js';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export interface WorkerRpc {
  call(request: DistributiveOmit<HashRequest, 'id'>): Promise<{ value?: string | undefined; state?: string | undefined }>;
  dispose(): void;
}

export function workerRpc(worker: Worker): WorkerRpc {
  type Ok = { value?: string | undefined; state?: string | undefined };
  const waiting = new Map<number, { resolve: (value: Ok) => void; reject: (error: Error) => void }>();
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
    if (reply.ok) entry?.resolve({ value: reply.value, state: reply.state });
    // The same typed error as a short read of the bytes path: the upload stops, the file must be picked again.
    else entry?.reject(reply.changed ? new LocalFileChangedError(reply.error) : new Error(`SHA-1 worker: ${reply.error}`));
  };
  worker.onerror = (event) => fail(new Error(`SHA-1 worker failed: ${event.message}`));
  // A reply that cannot be deserialised never reaches onmessage: without this its caller would wait forever.
  worker.onmessageerror = () => fail(new Error('SHA-1 worker: a reply could not be deserialised'));
  return {
    call(request) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ ...request, id });
      });
    },
    dispose() {
      worker.terminate();
      fail(new Error('the SHA-1 worker was disposed'));
    },
  };
}
