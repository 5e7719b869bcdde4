/**
 * Passes a body through only if it carries exactly `size` bytes. The chunk that completes `size` is held back
 * until the source has ended: a request sent with `Content-Length: size` therefore never completes on the
 * server's side unless the whole body was right, so a longer body (or one whose source fails at its very end,
 * e.g. on a digest check) cannot become a stored part. Memory: one chunk.
 */
import type { ByteSource } from '../blob-store.js';
import { BodyLengthError } from '../blob-store.js';

export async function* exactLength(body: ByteSource, size: number): AsyncGenerator<Uint8Array> {
  const source = body[Symbol.asyncIterator]();
  let received = 0;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      const chunk = next.value;
      received += chunk.byteLength;
      if (received > size) throw new BodyLengthError(size, received);
      if (received === size && chunk.byteLength > 0) {
        await expectEnd(source, size);
        yield chunk;
        return;
      }
      if (chunk.byteLength > 0) yield chunk;
    }
    if (received !== size) throw new BodyLengthError(size, received);
  } finally {
    // Lets the source release its resources when we stop early (an error, or our consumer gave up).
    await source.return?.();
  }
}

/** Reads on until the source ends; any further non-empty chunk makes the body too long. */
async function expectEnd(source: AsyncIterator<Uint8Array>, size: number): Promise<void> {
  for (;;) {
    const next = await source.next();
    if (next.done) return;
    if (next.value.byteLength > 0) throw new BodyLengthError(size, size + next.value.byteLength);
  }
}
