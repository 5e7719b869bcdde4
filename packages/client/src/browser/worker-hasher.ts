/**
 * SHA-1 in a Web Worker (hash-worker.ts), one worker per upload, ended by `dispose()` after the digest:
 * - `workerRangeSha1`, behind the core's RangeHasher: the worker is given the File and reads and hashes each part
 *   itself; the main thread sends the part as a Blob slice and never holds its bytes. The page's way.
 * - `workerSha1`, behind the core's AsyncHasher: the main thread posts each part it read (a copy) to the worker.
 */
import { LocalFileChangedError, type AsyncHasherFactory, type RangeHasherFactory } from '../core/index.js';
import type { HashReply, HashRequest } from './hash-worker.js';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

/** `createWorker` makes a worker running `serveSha1Worker(self)`, e.g. `() => new Worker(url, { type: 'module' })`. */
export function workerSha1(createWorker: () => Worker): AsyncHasherFactory {
  return (saved) => {
    const { call, dispose } = connect(createWorker(), { op: 'init', state: saved });
    return {
      update: async (bytes) => {
        await call({ op: 'update', bytes });
      },
      save: async () => (await call({ op: 'save' }))!,
      digestHex: async () => (await call({ op: 'digest' }))!,
      dispose,
    };
  };
}

/** The same worker, given the upload's File (the source's whole-range body) to read parts from itself. */
export function workerRangeSha1(createWorker: () => Worker): RangeHasherFactory {
  return (source, saved) => {
    const file = source.body?.(0, source.size).opaque;
    if (!(file instanceof Blob)) throw new TypeError('workerRangeSha1 reads Blob sources (blobSource) only');
    const { call, dispose } = connect(createWorker(), { op: 'init', state: saved, file });
    return {
      part: async (start, end, whole) => (await call({ op: 'part', start, end, whole }))!,
      save: async () => (await call({ op: 'save' }))!,
      digestHex: async () => (await call({ op: 'digest' }))!,
      dispose,
    };
  };
}

/** Request/reply over the worker's messages; every pending call fails if the worker does. */
function connect(worker: Worker, init: DistributiveOmit<HashRequest, 'id'>) {
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
    else entry?.reject(reply.changed ? new LocalFileChangedError(reply.error) : new Error(`SHA-1 worker: ${reply.error}`));
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
  call(init).catch(() => undefined);
  return {
    call,
    dispose: () => {
      worker.terminate();
      fail(new Error('the SHA-1 worker was disposed'));
    },
  };
}
