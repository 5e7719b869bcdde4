/** Worker-thread entry: opens the blob store named in workerData and folds byte ranges into SHA-1 states. */
import { parentPort, workerData } from 'node:worker_threads';
import { InlineRangeHasher } from './domain/hashing/range-hasher.js';
import type { FoldRequest, FoldResponse } from './domain/hashing/worker-range-hasher.js';
import { openBlobStore, type BlobOptions } from './stores.js';

const hasher = new InlineRangeHasher(await openBlobStore(workerData as BlobOptions));

parentPort!.on('message', (request: FoldRequest) => {
  hasher.fold(request.source, request.state, request.start, request.end).then(
    (state) => parentPort!.postMessage({ id: request.id, state } satisfies FoldResponse),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: String((error as Error)?.stack ?? error) } satisfies FoldResponse),
  );
});
