/**
 * @tranche/client for browsers: the same core as Node, with WHATWG fetch, `Blob.slice` sources, Web Crypto for
 * part digests, the whole-file SHA-1 in a Web Worker (hash-wasm, state saved for resuming) and an IndexedDB
 * resume store. Nothing here imports Node.
 */
import * as core from '../core/index.js';
import { webCryptoSha1 } from './web-crypto.js';

export * from '../core/index.js';
export { blobSource, type BlobSourceOptions } from './file-source.js';
export { indexedDbResumeStore, type IndexedDbResumeStore } from './idb-store.js';
export { webCryptoSha1 } from './web-crypto.js';
export { workerSha1 } from './worker-hasher.js';

let sharedTransport: core.Transport | undefined;

/** Fills in fetch (bound to the window: some browsers refuse an unbound fetch) and Web Crypto part digests. */
export function withBrowserDefaults<T extends core.ClientOptions>(options: T): T {
  return {
    ...options,
    transport: options.transport ?? (sharedTransport ??= core.fetchTransport(globalThis.fetch.bind(globalThis) as never)),
    partSha1: options.partSha1 ?? (globalThis.crypto?.subtle ? webCryptoSha1 : undefined),
  };
}
