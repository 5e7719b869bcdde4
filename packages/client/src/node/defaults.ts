/** The Node environment for the core: node:http transport and node:crypto SHA-1 unless the caller brings its own. */
import type { ClientOptions } from '../core/index.js';
import { nodeHttpTransport } from './http-transport.js';
import { nodeSha1 } from './sha1.js';

let sharedTransport: ReturnType<typeof nodeHttpTransport> | undefined;

export function withNodeDefaults<T extends ClientOptions>(options: T): T {
  return {
    ...options,
    transport: options.transport ?? (sharedTransport ??= nodeHttpTransport()),
    createHasher: options.createHasher ?? nodeSha1,
  };
}
