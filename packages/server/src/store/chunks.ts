/** Helpers for lists of byte chunks written with writev. */

/** The chunks after the first `consumed` bytes (what a short writev left to write). */
export function chunksAfter(chunks: Uint8Array[], consumed: number): Uint8Array[] {
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
