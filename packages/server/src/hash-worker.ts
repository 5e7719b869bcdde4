/** Worker-thread entry: opens the blob store named in workerData and folds upload ranges into SHA-1 states. */
import { parentPort, workerData } from 'node:worker_threads';
import { InlineRangeHasher } from './domain/hashing/range-hasher.js';
import type { FoldRequest, FoldResponse } from './domain/hashing/worker-range-hasher.js';
import { canReadUploads } from './store/blob-store.js';
import { openBlobStore, type StoreOptions } from './stores.js';

const blobs = await openBlobStore(workerData as StoreOptions);
if (!canReadUploads(blobs)) throw new Error('the blob store cannot read uploads back');
const hasher = new InlineRangeHasher(blobs);

parentPort!.on('message', (request: FoldRequest) => {
  hasher.fold(request.target, request.state, request.start, request.end).then(
    (state) => parentPort!.postMessage({ id: request.id, state } satisfies FoldResponse),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: String((error as Error)?.stack ?? error) } satisfies FoldResponse),
  );
});
