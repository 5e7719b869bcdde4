/**
 * The HTTP seam. The core sends every request through a `Transport`: a fetch-like function that takes a plain
 * request and answers with status, headers and a streamed body. Node's entry supplies one built on node:http;
 * `fetchTransport` adapts any WHATWG fetch (browsers, Deno, Bun, Node).
 */

export type RequestBody = Uint8Array | AsyncIterable<Uint8Array> | OpaqueBody;

/**
 * A body the core never looks into: whatever an `UploadSource.body()` handed out (in a browser, a `Blob` slice of
 * the File), passed through to a transport that knows it (fetch). Transports that cannot send it refuse it.
 */
export class OpaqueBody {
  constructor(
    readonly value: unknown,
    readonly byteLength: number,
  ) {}
}

export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /**
   * A Uint8Array is sent with Content-Length; an async iterable with chunked transfer encoding; an OpaqueBody's
   * value is handed to fetch as it is.
   */
  body?: RequestBody | undefined;
  signal?: AbortSignal | undefined;
  /** Give up when the connection is idle this long (node:http), or when no answer came this long (fetch). */
  timeoutMs?: number | undefined;
  /** Called as request-body bytes are handed to the network, with the count sent so far. Optional to honour. */
  onBodyProgress?: ((sent: number) => void) | undefined;
}

export interface TransportResponse {
  status: number;
  /** Header lookup, case-insensitive. */
  header(name: string): string | null;
  /** The body as a stream of chunks; read it or call `discard()`. */
  body: AsyncIterable<Uint8Array>;
  /** Drop the body without reading it (lets the connection be reused or closed). */
  discard(): void;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Thrown by transports when `timeoutMs` elapsed. */
export class TransportTimeoutError extends Error {
  constructor(ms: number) {
    super(`no progress for ${ms} ms`);
    this.name = 'TransportTimeoutError';
  }
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  return concatBytes(chunks, length);
}

export function concatBytes(chunks: Uint8Array[], length = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === length) return chunks[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await readAll(body));
}
