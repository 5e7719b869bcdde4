/**
 * What gets uploaded: anything with a size that can hand out byte ranges. A Node file, a browser `File`/`Blob`,
 * an in-memory buffer. `slice` may answer with the bytes at once or as a stream of chunks.
 */
import { LocalFileChangedError } from './errors.js';
import { concatBytes } from './transport.js';

export interface UploadSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Default name on the server. */
  readonly name?: string | undefined;
  /**
   * Stable identity for resuming (a Node file's absolute path, a browser File's name). Without it the upload is
   * not resumable: no state is stored.
   */
  readonly id?: string | undefined;
  /** Modification time (ms since the epoch). Recorded with the resume state; a different value means "changed". */
  readonly lastModified?: number | undefined;
  /** Bytes [start, end). Must yield exactly `end - start` bytes. */
  slice(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> | AsyncIterable<Uint8Array>;
  /**
   * Optional: bytes [start, end) as an opaque request body the transport passes through (a browser File's
   * `slice`), so the caller never holds them. Used with `ClientOptions.createRangeHasher`, which hashes the same
   * ranges elsewhere; `body(0, size)` is what that hasher is given to read from.
   */
  body?(start: number, end: number): unknown;
  /** Release whatever the source holds open (file handles). */
  close?(): Promise<void>;
}

/** Reads [start, end) into one buffer, checking the length: a short read means the file shrank. */
export async function readRange(source: UploadSource, start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
  const result = source.slice(start, end, signal);
  let bytes: Uint8Array;
  if (isAsyncIterable(result)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of result) chunks.push(chunk);
    bytes = concatBytes(chunks);
  } else {
    bytes = await result;
  }
  if (bytes.byteLength !== end - start) {
    throw new LocalFileChangedError(
      `read ${bytes.byteLength} bytes at offset ${start} where ${end - start} were expected: the file changed while uploading`,
    );
  }
  return bytes;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A source over bytes in memory (tests, small payloads, browser ArrayBuffers). */
export function bytesSource(bytes: Uint8Array, name?: string, id?: string): UploadSource {
  return {
    size: bytes.byteLength,
    name,
    id,
    slice: async (start, end) => bytes.subarray(start, end),
  };
}
