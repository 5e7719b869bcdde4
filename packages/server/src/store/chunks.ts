/** Writing lists of byte chunks with writev. */
import type { FileHandle } from 'node:fs/promises';

/**
 * Socket chunks are gathered into writes of about this size: fewer syscalls, bounded memory. Each part in flight
 * holds a batch or two: 256 KiB keeps 32 parts at once near 160 MB of server RSS where 1 MiB took 190–310 MB
 * (bench, memory scenario).
 */
export const WRITE_BATCH_BYTES = 1 << 18;

/** Writes all `bytes` of `chunks` at `position`, writing again what a short writev left. */
export async function writevAll(handle: FileHandle, chunks: Uint8Array[], bytes: number, position: number): Promise<void> {
  let done = 0;
  let rest = chunks;
  for (;;) {
    const { bytesWritten } = await handle.writev(rest, position + done);
    done += bytesWritten;
    if (done >= bytes) return;
    rest = chunksAfter(rest, bytesWritten);
  }
}

/** The chunks after the first `consumed` bytes (what a short writev left to write). */
function chunksAfter(chunks: Uint8Array[], consumed: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (consumed >= chunk.byteLength) {
      consumed -= chunk.byteLength;
      continue;
    }
    rest.push(consumed > 0 ? chunk.subarray(consumed) : chunk);
    consumed = 0;
  }
  return rest;
}
