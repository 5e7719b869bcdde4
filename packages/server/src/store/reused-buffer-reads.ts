/**
 * Reads of a file range through one buffer reused for every chunk, for readers whose consumer (the whole-file
 * hasher) is done with a chunk before it asks for the next. A fresh buffer per read would leave a part's worth of
 * garbage per fold, external to the V8 heap and collected late: on a thread that allocates little else (the hash
 * worker) it piles up until a GC, and the server's RSS grows with the part size.
 */
import type { FileHandle } from 'node:fs/promises';

/** Yields bytes [from, to) of `handle` as views of `buffer`; each view is valid until the next is requested. */
export async function* readThrough(handle: FileHandle, buffer: Buffer, from: number, to: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let position = from;
  while (position < to) {
    signal?.throwIfAborted();
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - position), position);
    if (bytesRead === 0) throw new Error(`the file ends at ${position}, before byte ${to}`);
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
