/**
 * Folds byte ranges into a whole-file SHA-1. The whole-file hasher decides what to fold and from where: the upload
 * still being written (read back locally), or the object once the upload was completed. A RangeHasher does the
 * work, on this thread or on a worker thread (the second core), in one of two ways:
 * - resumable: hash-wasm's SHA-1, whose state is serialised after every fold, so it can be saved in the metadata
 *   store and continued after a restart or by another instance (a cluster needs this);
 * - live: node:crypto's SHA-1, 2.5× faster here (OpenSSL uses the CPU's SHA instructions, which WebAssembly cannot),
 *   kept in memory under a name; its state cannot be saved, so a restart starts it again from byte 0.
 */
import { createHash, type Hash } from 'node:crypto';
import { createSHA1 } from 'hash-wasm';
import type { BlobStore, ByteSource, UploadReader, UploadTarget } from '../../store/blob-store.js';

export type HashSource = { kind: 'upload'; target: UploadTarget } | { kind: 'object'; key: string };

export interface RangeHasher {
  /** SHA-1 state after feeding bytes [start, end) of `source` into `state` (null: a fresh hash). */
  fold(source: HashSource, state: Uint8Array | null, start: number, end: number): Promise<Uint8Array>;
  /**
   * Feeds bytes [start, end) of `source` into the live hash `name`, which must have reached `start` (0 starts a
   * new one). A fold that fails forgets the hash: it may have taken some of the bytes.
   */
  foldLive(name: string, source: HashSource, start: number, end: number): Promise<void>;
  /** The 20-byte digest of the live hash `name`, which is then forgotten. */
  finishLive(name: string): Promise<Uint8Array>;
  /** Drops the live hash `name`, if any. */
  forgetLive(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A live hash lost, or asked to continue from another offset than the one it reached. */
export class LiveHashGapError extends Error {
  constructor(name: string, reached: number | undefined, start: number) {
    super(`live hash ${name} is at ${reached ?? 'nothing'}, asked to continue from ${start}`);
    this.name = 'LiveHashGapError';
  }
}

export class InlineRangeHasher implements RangeHasher {
  private readonly live = new Map<string, { hash: Hash; reached: number }>();

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

  async foldLive(name: string, source: HashSource, start: number, end: number): Promise<void> {
    let entry = this.live.get(name);
    if (start === 0) this.live.set(name, (entry = { hash: createHash('sha1'), reached: 0 }));
    if (!entry || entry.reached !== start) throw new LiveHashGapError(name, entry?.reached, start);
    try {
      if (end > start) {
        for await (const chunk of await this.read(source, start, end - 1)) entry.hash.update(chunk);
      }
      entry.reached = end;
    } catch (error) {
      this.live.delete(name);
      throw error;
    }
  }

  async finishLive(name: string): Promise<Uint8Array> {
    const entry = this.live.get(name);
    if (!entry) throw new LiveHashGapError(name, undefined, -1);
    this.live.delete(name);
    return new Uint8Array(entry.hash.digest());
  }

  async forgetLive(name: string): Promise<void> {
    this.live.delete(name);
  }

  async close(): Promise<void> {
    this.live.clear();
  }

  private read(source: HashSource, first: number, last: number): Promise<ByteSource> {
    if (source.kind === 'object') return this.blobs.get(source.key, { start: first, end: last });
    if (!this.blobs.readUpload) throw new Error('this blob store cannot read an incomplete upload back');
    return this.blobs.readUpload(source.target, first, last);
  }
}

/** Length of a finished live hash as stored: the digest itself (a resumable state is longer). */
export const DIGEST_BYTES = 20;

/** Hex digest of a finished state: a resumable hash's state, or a live hash's digest. */
export async function digestOfState(state: Uint8Array): Promise<string> {
  if (state.length === DIGEST_BYTES) return Buffer.from(state).toString('hex');
  const hasher = await createSHA1();
  hasher.load(state);
  return hasher.digest('hex');
}
