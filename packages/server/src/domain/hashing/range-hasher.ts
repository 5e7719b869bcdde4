/**
 * Folds a byte range into a serialised SHA-1 state. The whole-file hasher decides what to fold and from where: the
 * upload still being written (read back locally), or the object once the upload was completed. A RangeHasher does
 * the work, on this thread or on a worker thread (the second core).
 */
import { createSHA1 } from 'hash-wasm';
import type { BlobStore, ByteSource, UploadReader, UploadTarget } from '../../store/blob-store.js';

export type HashSource = { kind: 'upload'; target: UploadTarget } | { kind: 'object'; key: string };

export interface RangeHasher {
  /** SHA-1 state after feeding bytes [start, end) of `source` into `state` (null: a fresh hash). */
  fold(source: HashSource, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class InlineRangeHasher implements RangeHasher {
  constructor(private readonly blobs: BlobStore & Partial<UploadReader>) {}

  async fold(source: HashSource, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array> {
    const hasher = await createSHA1();
    if (state) hasher.load(state);
    else hasher.init();
    if (end > start) {
      for await (const chunk of await this.read(source, start, end - 1)) hasher.update(chunk);
    }
    return hasher.save();
  }

  async close(): Promise<void> {}

  private read(source: HashSource, first: number, last: number): Promise<ByteSource> {
    if (source.kind === 'object') return this.blobs.get(source.key, { start: first, end: last });
    if (!this.blobs.readUpload) throw new Error('this blob store cannot read an incomplete upload back');
    return this.blobs.readUpload(source.target, first, last);
  }
}

/** Hex digest of a finished state. */
export async function digestOfState(state: Uint8Array): Promise<string> {
  const hasher = await createSHA1();
  hasher.load(state);
  return hasher.digest('hex');
}
