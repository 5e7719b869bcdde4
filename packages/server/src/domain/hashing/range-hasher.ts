/**
 * Folds a byte range of an upload into a serialised SHA-1 state. The whole-file hasher decides what to fold;
 * a RangeHasher does the work, on this thread or on a worker thread (the second core).
 */
import { createSHA1 } from 'hash-wasm';
import type { UploadReader, UploadTarget } from '../../store/blob-store.js';

export interface RangeHasher {
  /** SHA-1 state after feeding bytes [start, end) of the upload into `state` (null: a fresh hash). */
  fold(target: UploadTarget, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class InlineRangeHasher implements RangeHasher {
  constructor(private readonly reader: UploadReader) {}

  async fold(target: UploadTarget, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array> {
    const hasher = await createSHA1();
    if (state) hasher.load(state);
    else hasher.init();
    if (end > start) {
      for await (const chunk of await this.reader.readUpload(target, start, end - 1)) hasher.update(chunk);
    }
    return hasher.save();
  }

  async close(): Promise<void> {}
}

/** Hex digest of a finished state. */
export async function digestOfState(state: Uint8Array): Promise<string> {
  const hasher = await createSHA1();
  hasher.load(state);
  return hasher.digest('hex');
}
