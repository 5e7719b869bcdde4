/**
 * Reads ranges of a Blob (a File) in a worker for hashing, through one stream that runs on from range to range:
 * parts asked for in offset order cost one read of the file from the first of them to the end, not one stream per
 * part, and the browser fills the stream's pipe while the previous range is hashed.
 *
 * The stream is read BYOB into one reused buffer where the browser allows it (Chromium, Firefox). A default
 * reader's chunks are fresh ArrayBuffers, and allocating them was most of the cost of reading a file in Chromium:
 * 3.4 of 5.2 CPU-seconds per GiB against 0.1 with BYOB (docs/WEB.md). No range's bytes are kept: each chunk is
 * handed to the caller and the buffer is read into again.
 */
const CHUNK = 1 << 20;

/**
 * Streams being read, held from a root. Chromium (156) collects a Blob's byte stream that only the pending BYOB
 * read and the code awaiting it reach: the read never settles and the upload waits forever (reproduced with
 * garbage collections during the read; test/web-worker-reads.test.ts). Held here from open to cancel.
 */
const held = new Set<ReadableStream<Uint8Array>>();

export class FileChangedError extends Error {}

type Cursor = { at: number; next: (max: number) => Promise<Uint8Array | undefined>; close: () => void };

export interface BlobRangeReader {
  /**
   * Hands the bytes of [start, end) to `take` in order. `onward`: the range is one of a run in offset order (keep
   * the stream for the next range); otherwise it is read on its own and the run's stream is left where it was.
   */
  read(start: number, end: number, onward: boolean, take: (chunk: Uint8Array) => void): Promise<void>;
  /** Cancels the run's stream, if one is open; a later read opens a new one. */
  close(): void;
}

export function blobRangeReader(source: Blob): BlobRangeReader {
  let buffer: ArrayBuffer | undefined = new ArrayBuffer(CHUNK);
  let cursor: Cursor | undefined;

  function openAt(from: number, end: number): Cursor {
    const stream = source.slice(from, end).stream();
    held.add(stream);
    const close = (reader: ReadableStreamGenericReader): void => {
      held.delete(stream);
      void reader.cancel().catch(() => undefined);
    };
    let byob: ReadableStreamBYOBReader | undefined;
    try {
      byob = stream.getReader({ mode: 'byob' });
    } catch {
      // Not a byte stream in this browser: chunks come as the browser makes them.
    }
    if (byob) {
      const reader = byob;
      return {
        at: from,
        async next(max) {
          const into = buffer ?? new ArrayBuffer(CHUNK);
          buffer = undefined;
          const { done, value } = await reader.read(new Uint8Array(into, 0, Math.min(max, into.byteLength)));
          if (value) buffer = value.buffer;
          return done ? undefined : value;
        },
        close: () => close(reader),
      };
    }
    const reader = stream.getReader();
    let left: Uint8Array | undefined;
    return {
      at: from,
      async next(max) {
        let chunk = left;
        left = undefined;
        if (!chunk) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          chunk = value;
        }
        if (chunk.byteLength > max) left = chunk.subarray(max);
        return chunk.subarray(0, max);
      },
      close: () => close(reader),
    };
  }

  async function read(start: number, end: number, onward: boolean, take: (chunk: Uint8Array) => void): Promise<void> {
    let reading: Cursor;
    if (onward && cursor?.at === start) reading = cursor;
    else {
      reading = openAt(start, onward ? source.size : end);
      if (onward) {
        cursor?.close();
        cursor = reading;
      }
    }
    try {
      while (reading.at < end) {
        const chunk = await reading.next(end - reading.at);
        if (!chunk) throw new FileChangedError(`read ${reading.at - start} bytes at offset ${start} where ${end - start} were expected: the file changed`);
        reading.at += chunk.byteLength;
        take(chunk);
      }
    } catch (error) {
      reading.close();
      if (reading === cursor) cursor = undefined;
      throw error;
    }
    if (!onward || reading.at === source.size) {
      reading.close();
      if (reading === cursor) cursor = undefined;
    }
  }

  return {
    read,
    close() {
      cursor?.close();
      cursor = undefined;
    },
  };
}
