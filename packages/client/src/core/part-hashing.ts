/**
 * Where a chunked upload gets each part's body and SHA-1, and keeps the whole-file SHA-1, in offset order:
 * - bytes here (the default): read the range, hash the part (`partSha1` or `createHasher`) and feed the whole-file
 *   hasher from the same buffer, send that buffer;
 * - a range hasher (`createRangeHasher`, for sources with `body()`): the hasher reads and hashes the range where it
 *   lives (a browser worker) and answers digests only; the body is the source's opaque slice. The bytes never pass
 *   through here.
 */
import type { ClientConfig } from './config.js';
import type { AsyncHasher, RangeHasher } from './hasher.js';
import { readRange, type UploadSource } from './source.js';
import { OpaqueBody } from './transport.js';
import { digestPart, openWholeHasher } from './whole-hash.js';

export interface HashedPart {
  sha1: string;
  body: Uint8Array | OpaqueBody;
  /** The whole-file hash state after this part, when it was added and a state was asked for. */
  state?: string | undefined;
}

export interface PartHashing {
  /** Bytes [0, hashedTo) are already in the whole-file hash (restored from a saved state). */
  readonly hashedTo: number;
  /** Parts hold no bytes here (opaque bodies): the next one can be prepared while every upload slot is busy. */
  readonly preparesAhead: boolean;
  /**
   * The part at [start, end): its SHA-1 and body; with `whole`, also added to the whole-file hash (callers go in
   * offset order) and, with `save`, the hash state after it.
   */
  part(start: number, end: number, options: { whole: boolean; save: boolean }, signal: AbortSignal): Promise<HashedPart>;
  /** A range's SHA-1 only (the resume check of stored parts): the whole-file hash is not touched. */
  check(start: number, end: number, signal: AbortSignal): Promise<string>;
  digestHex(): Promise<string>;
  dispose(): void;
}

export function openPartHashing(config: ClientConfig, source: UploadSource, saved: { offset: number; state: string } | undefined): PartHashing {
  const body = source.body?.bind(source);
  if (config.createRangeHasher && body) return rangeHashing(config.createRangeHasher, source.size, body, saved);
  return bytesHashing(config, source, saved);
}

function bytesHashing(config: ClientConfig, source: UploadSource, saved: { offset: number; state: string } | undefined): PartHashing {
  const { hasher, hashedTo } = openWholeHasher(config, saved);
  const whole: AsyncHasher = hasher;
  return {
    hashedTo,
    preparesAhead: false,
    async part(start, end, options, signal) {
      const bytes = await readRange(source, start, end, signal);
      const [sha1] = await Promise.all([digestPart(config, bytes), options.whole ? whole.update(bytes) : undefined]);
      const state = options.whole && options.save && whole.save ? await whole.save() : undefined;
      return { sha1, body: bytes, state };
    },
    async check(start, end, signal) {
      return digestPart(config, await readRange(source, start, end, signal));
    },
    async digestHex() {
      return whole.digestHex();
    },
    dispose: () => whole.dispose?.(),
  };
}

function rangeHashing(
  factory: NonNullable<ClientConfig['createRangeHasher']>,
  size: number,
  body: (start: number, end: number) => unknown,
  saved: { offset: number; state: string } | undefined,
): PartHashing {
  const all = body(0, size);
  let hasher: RangeHasher | undefined;
  let hashedTo = 0;
  if (saved && saved.offset > 0) {
    try {
      hasher = factory(all, saved.state);
      hashedTo = saved.offset;
    } catch {
      // A state this hasher cannot load: hash from the start.
    }
  }
  const ranges: RangeHasher = hasher ?? factory(all);
  return {
    hashedTo,
    preparesAhead: true,
    async part(start, end, options) {
      const { sha1, state } = await ranges.hash(start, end, options);
      return { sha1: sha1.toLowerCase(), body: new OpaqueBody(body(start, end), end - start), state: options.save ? state : undefined };
    },
    async check(start, end) {
      return (await ranges.hash(start, end, { whole: false, save: false })).sha1.toLowerCase();
    },
    digestHex: () => ranges.digestHex(),
    dispose: () => ranges.dispose?.(),
  };
}
