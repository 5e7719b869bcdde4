/**
 * A Transport over WHATWG fetch. Streaming request bodies need `duplex: 'half'` (Node 20's fetch insists on it).
 * Redirects are followed by fetch itself. `timeoutMs` bounds the wait for the response headers.
 */
import { OpaqueBody, TransportTimeoutError, type Transport, type TransportResponse } from './transport.js';

type FetchLike = (url: string, init: Record<string, unknown>) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  body: unknown;
}>;

export function fetchTransport(fetchImpl: FetchLike = globalThis.fetch as unknown as FetchLike): Transport {
  return async (request) => {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (request.timeoutMs !== undefined) {
      timer = setTimeout(() => controller.abort(new TransportTimeoutError(request.timeoutMs!)), request.timeoutMs);
    }
    const init: Record<string, unknown> = { method: request.method, headers: request.headers, signal: controller.signal };
    if (request.body instanceof Uint8Array) init['body'] = request.body;
    else if (request.body instanceof OpaqueBody) init['body'] = request.body.value;
    else if (request.body !== undefined) {
      init['body'] = toReadableStream(request.body);
      init['duplex'] = 'half';
    }
    try {
      const response = await fetchImpl(request.url, init);
      const size = request.body instanceof Uint8Array || request.body instanceof OpaqueBody ? request.body.byteLength : undefined;
      if (size !== undefined) request.onBodyProgress?.(size);
      return adapt(response);
    } catch (error) {
      if (controller.signal.reason instanceof TransportTimeoutError) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  };
}

function adapt(response: Awaited<ReturnType<FetchLike>>): TransportResponse {
  const stream = response.body as ReadableStream<Uint8Array> | null;
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: stream ? iterate(stream) : emptyBody(),
    discard: () => void stream?.cancel().catch(() => undefined),
  };
}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

function toReadableStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
