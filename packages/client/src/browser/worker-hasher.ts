/**
 * The whole-file SHA-1 in a Web Worker (hash-worker.ts), behind the core's AsyncHasher: the main thread posts each
 * part (a copy: the part's buffer is still being uploaded) and never hashes. One worker per upload, ended by
 * `dispose()` after the digest. For File uploads `workerRangeHasher` (range-hasher.ts) does better: the worker
 * reads the parts itself.
 */
import type { AsyncHasherFactory } from '../core/index.js';
import { workerRpc } from './worker-rpc.js';

/** `createWorker` makes a worker running `serveSha1Worker(self)`, e.g. `() => new Worker(url, { type: 'module' })`. */
export function workerSha1(createWorker: () => Worker): AsyncHasherFactory {
  return (saved) => {
    const rpc = workerRpc(createWorker());
    const ready = rpc.call({ op: 'init', state: saved });
    ready.catch(() => undefined);
    return {
      update: async (bytes) => {
        await rpc.call({ op: 'update', bytes });
      },
      save: async () => (await rpc.call({ op: 'save' })).value!,
      digestHex: async () => (await rpc.call({ op: 'digest' })).value!,
      dispose: () => rpc.dispose(),
    };
  };
}
