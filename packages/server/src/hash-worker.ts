/** Worker-thread entry: opens the blob store named in workerData and folds byte ranges into whole-file SHA-1s. */
import { parentPort, workerData } from 'node:worker_threads';
import { InlineRangeHasher } from './domain/hashing/range-hasher.js';
import type { HashRequest, HashResponse } from './domain/hashing/worker-range-hasher.js';
import { openBlobStore, type BlobOptions } from './stores.js';

const hasher = new InlineRangeHasher(await openBlobStore(workerData as BlobOptions));

function perform(request: HashRequest): Promise<Uint8Array | null | void> {
  switch (request.op) {
    case 'fold':
      return hasher.fold(request.source, request.state, request.start, request.end);
    case 'foldLive':
      return hasher.foldLive(request.name, request.source, request.start, request.end);
    case 'finishLive':
      return hasher.finishLive(request.name);
    case 'forgetLive':
      return hasher.forgetLive(request.name);
  }
}

parentPort!.on('message', (request: HashRequest) => {
  perform(request).then(
    (state) => parentPort!.postMessage({ id: request.id, state: state ?? null } satisfies HashResponse),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: String((error as Error)?.stack ?? error) } satisfies HashResponse),
  );
});
