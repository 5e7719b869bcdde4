/**
 * Part and whole-file SHA-1 of a File read in a Web Worker (hash-worker.ts), behind the core's RangeHasher: the
 * worker is given the File once (a handle, no bytes copied) and, per part, reads `file.slice(a, b)`, hashes it,
 * adds it to the whole-file SHA-1 in offset order and answers the digest and the saved state. The main thread
 * sends the same slice as the request body and never holds a part's bytes. One worker per upload.
 */
import type { RangeHasherFactory } from '../core/index.js';
import { workerRpc } from './worker-rpc.js';

/** `createWorker` makes a worker running `serveSha1Worker(self)`. The source must be a Blob (blobSource's body). */
export function workerRangeHasher(createWorker: () => Worker): RangeHasherFactory {
  return (source, saved) => {
    if (!(source instanceof Blob)) throw new TypeError('workerRangeHasher reads Blobs (blobSource) only');
    const rpc = workerRpc(createWorker());
    const ready = rpc.call({ op: 'open', source, state: saved });
    ready.catch(() => undefined);
    return {
      async hash(start, end, options) {
        const { value, state } = await rpc.call({ op: 'range', start, end, whole: options.whole, save: options.save });
        return { sha1: value!, state };
      },
      digestHex: async () => (await rpc.call({ op: 'digest' })).value!,
      dispose: () => rpc.dispose(),
    };
  };
}
