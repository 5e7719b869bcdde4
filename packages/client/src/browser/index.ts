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
export { workerRangeHasher } from './range-hasher.js';

let sharedTransport: core.Transport | undefined;

/**
 * The core's fetch transport, with byte bodies handed to fetch as a Blob: the browser then moves a part to the
 * network from blob storage instead of inlining it in the request (which DevTools, and so every automated
 * browser, would serialise: 8 MiB parts took 10 s instead of 0.5 s under Playwright).
 */
export function browserFetchTransport(): core.Transport {
  const fetchBlob = (url: string, init: Record<string, unknown>) => {
    const body = init['body'];
    const withBlob = body instanceof Uint8Array ? { ...init, body: new Blob([body as Uint8Array<ArrayBuffer>]) } : init;
    return globalThis.fetch(url, withBlob as RequestInit);
  };
  return core.fetchTransport(fetchBlob as never);
}

/** Fills in fetch (see browserFetchTransport) and Web Crypto part digests. */
export function withBrowserDefaults<T extends core.ClientOptions>(options: T): T {
  return {
    ...options,
    transport: options.transport ?? (sharedTransport ??= browserFetchTransport()),
    partSha1: options.partSha1 ?? (globalThis.crypto?.subtle ? webCryptoSha1 : undefined),
  };
}
