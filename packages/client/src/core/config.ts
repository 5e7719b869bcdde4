/**
 * One options object for every client call: where the server is, how to authenticate, and the injected
 * environment (transport, hasher). `resolveConfig` validates it once and fills the defaults.
 */
import { createSha1, type AsyncHasherFactory, type HasherFactory, type PartDigest, type RangeHasherFactory } from './hasher.js';
import { fetchTransport } from './fetch-transport.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { tokenOrigins, type TokenOrigins } from './origins.js';
import type { Transport } from './transport.js';

export const BOX_API_URL = 'https://api.box.com/2.0';
export const BOX_UPLOAD_URL = 'https://upload.box.com/api/2.0';

export interface ClientOptions {
  /** An origin serving both hosts (Tranche): sets `apiUrl` = origin + '/2.0' and `uploadUrl` = origin + '/api/2.0'. */
  server?: string | undefined;
  /** API host base, default https://api.box.com/2.0 (or from `server`). Wins over `server`. */
  apiUrl?: string | undefined;
  /** Upload host base, default https://upload.box.com/api/2.0 (or from `server`). Wins over `server`. */
  uploadUrl?: string | undefined;
  /** Bearer token. Sent only to the origins of `server`/`apiUrl`/`uploadUrl` and `trustedOrigins` (origins.ts). */
  token?: string | undefined;
  /** More origins the token may be sent to (e.g. a separate upload host); URLs, of which only the origin counts. */
  trustedOrigins?: readonly string[] | undefined;
  /** Default: `fetchTransport()` in the core, node:http in the Node entry. */
  transport?: Transport | undefined;
  /** Default: the pure-JS SHA-1 in the core, node:crypto in the Node entry. */
  createHasher?: HasherFactory | undefined;
  /** Per-part (and simple-upload) SHA-1 off the calling thread, e.g. Web Crypto. Default: `createHasher`. */
  partSha1?: PartDigest | undefined;
  /** The whole-file SHA-1 of chunked uploads, resumable from a saved state. Default: `createHasher`. */
  createWholeHasher?: AsyncHasherFactory | undefined;
  /**
   * Chunked uploads of sources with `body()`: part and whole-file SHA-1 of each range computed where the bytes are
   * read (a browser worker), the part sent as the source's opaque body. Wins over `partSha1`/`createWholeHasher`
   * for those sources. Default: none (the bytes are read here and hashed with the hashers above).
   */
  createRangeHasher?: RangeHasherFactory | undefined;
  /** Retry policy for every request (see retry.ts). */
  retry?: Partial<RetryPolicy> | undefined;
  /** Idle timeout per request in ms. Default 60,000. */
  timeoutMs?: number | undefined;
  /** Cancels everything in flight. */
  signal?: AbortSignal | undefined;
  /** Sent as User-Agent where the transport allows it. */
  userAgent?: string | undefined;
}

export interface ClientConfig {
  apiUrl: string;
  uploadUrl: string;
  token: string | undefined;
  /** Where the token may be sent. */
  tokenOrigins: TokenOrigins;
  transport: Transport;
  createHasher: HasherFactory;
  partSha1: PartDigest | undefined;
  createWholeHasher: AsyncHasherFactory | undefined;
  createRangeHasher: RangeHasherFactory | undefined;
  retry: RetryPolicy;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  userAgent: string;
}

export function resolveConfig(options: ClientOptions): ClientConfig {
  const { apiUrl, uploadUrl } = resolveEndpoints(options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!(timeoutMs > 0)) throw new TypeError(`timeoutMs must be positive, got ${timeoutMs}`);
  return {
    apiUrl,
    uploadUrl,
    token: options.token,
    tokenOrigins: tokenOrigins([apiUrl, uploadUrl, ...(options.trustedOrigins ?? []).map((url) => parseUrl(url, 'trustedOrigins').href)]),
    transport: options.transport ?? fetchTransport(),
    createHasher: options.createHasher ?? createSha1,
    partSha1: options.partSha1,
    createWholeHasher: options.createWholeHasher,
    createRangeHasher: options.createRangeHasher,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    timeoutMs,
    signal: options.signal,
    userAgent: options.userAgent ?? 'tranche-client/0.1',
  };
}

export function resolveEndpoints(options: Pick<ClientOptions, 'server' | 'apiUrl' | 'uploadUrl'>): {
  apiUrl: string;
  uploadUrl: string;
} {
  let origin: string | undefined;
  if (options.server !== undefined && options.server !== '') {
    const url = parseUrl(options.server, 'server');
    origin = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  const apiUrl = options.apiUrl || (origin ? `${origin}/2.0` : BOX_API_URL);
  const uploadUrl = options.uploadUrl || (origin ? `${origin}/api/2.0` : BOX_UPLOAD_URL);
  parseUrl(apiUrl, 'apiUrl');
  parseUrl(uploadUrl, 'uploadUrl');
  return { apiUrl: apiUrl.replace(/\/+$/, ''), uploadUrl: uploadUrl.replace(/\/+$/, '') };
}

function parseUrl(value: string, what: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    throw new TypeError(`${what} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}
