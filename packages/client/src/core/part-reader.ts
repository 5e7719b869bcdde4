/**
 * How a chunked upload gets each part's bytes and hashes: a `PartReader` hands out a part's SHA-1 and its body, and
 * keeps the whole-file SHA-1 (resumable from a saved state). Two kinds:
 * - bytes: the part is read into memory, hashed there (`partSha1`, e.g. Web Crypto, or `createHasher`), folded into
 *   the whole-file hasher (`createWholeHasher`, or `createHasher`) and sent from that buffer. Node's way.
 * - ranges: a `createRangeHasher` reads and hashes the part where the bytes are (a browser Web Worker given the
 *   File) and the part is sent as the source's opaque `body` (a Blob slice): the calling thread never holds it.
 * Also the check, before a resumed upload sends anything, that sampled stored parts still match the file.
 */
import type { UploadPart } from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import type { AsyncHasher } from './hasher.js';
import { readRange, type UploadSource } from './source.js';
import type { OpaqueBody } from './transport.js';

export interface PartReader {
  /** Bytes [0, hashedTo) are already in the whole-file hash (restored from a saved state). */
  readonly hashedTo: number;
  /** The part's SHA-1 and its body; with `whole`, its bytes also go into the whole-file hash (in offset order). */
  read(offset: number, size: number, whole: boolean, signal: AbortSignal): Promise<{ sha1: string; body: Uint8Array | OpaqueBody }>;
  /** The part's SHA-1 only (checking a stored part). */
  sha1Of(offset: number, size: number, signal: AbortSignal): Promise<string>;
  /** The whole-file hash state, when this reader can save one. */
  save: (() => Promise<string>) | undefined;
  digestHex(): Promise<string>;
  dispose(): void;
}

export async function digestPart(config: ClientConfig, bytes: Uint8Array): Promise<string> {
  if (config.partSha1) return (await config.partSha1(bytes)).toLowerCase();
  const hasher = config.createHasher();
  hasher.update(bytes);
  return hasher.digestHex();
}

/** The reader for this upload: by ranges when the config and the source allow it, else by bytes. */
export function openPartReader(config: ClientConfig, source: UploadSource, saved: { offset: number; state: string } | undefined): PartReader {
  const body = source.body?.bind(source);
  const factory = config.createRangeHasher;
  if (factory && body) {
    const restored = saved && saved.offset > 0 ? attempt(() => factory(source, saved.state)) : undefined;
    const hasher = restored ?? factory(source);
    return {
      hashedTo: restored ? saved!.offset : 0,
      read: async (offset, size, whole) => ({ sha1: (await hasher.part(offset, offset + size, whole)).toLowerCase(), body: body(offset, offset + size) }),
      sha1Of: async (offset, size) => (await hasher.part(offset, offset + size, false)).toLowerCase(),
      save: () => hasher.save(),
      digestHex: async () => (await hasher.digestHex()).toLowerCase(),
      dispose: () => hasher.dispose?.(),
    };
  }
  const { hasher: whole, hashedTo } = openWholeHasher(config, saved);
  const sha1Of = async (offset: number, size: number, signal: AbortSignal): Promise<string> => digestPart(config, await readRange(source, offset, offset + size, signal));
  return {
    hashedTo,
    async read(offset, size, hashWhole, signal) {
      const bytes = await readRange(source, offset, offset + size, signal);
      const [sha1] = await Promise.all([digestPart(config, bytes), hashWhole ? whole.update(bytes) : undefined]);
      return { sha1, body: bytes };
    },
    sha1Of,
    save: whole.save ? () => whole.save!() : undefined,
    digestHex: async () => whole.digestHex(),
    dispose: () => whole.dispose?.(),
  };
}

/** A whole-file hasher, restored from `saved` when the factory can, else fresh. */
function openWholeHasher(config: ClientConfig, saved: { offset: number; state: string } | undefined): { hasher: AsyncHasher; hashedTo: number } {
  const factory = config.createWholeHasher;
  if (factory && saved && saved.offset > 0) {
    const restored = attempt(() => factory(saved.state));
    if (restored) return { hasher: restored, hashedTo: saved.offset };
  }
  return { hasher: factory ? factory() : config.createHasher(), hashedTo: 0 };
}

/** A state this hasher cannot load (another implementation wrote it) means hashing from the start. */
function attempt<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch {
    return undefined;
  }
}

/**
 * The parts a resumed upload checks before sending a byte: the first and the last part the server holds. Their
 * local bytes must hash to the server's sha1, or the file changed since (same size and mtime notwithstanding).
 */
export async function verifySampledParts(reader: PartReader, source: UploadSource, stored: Map<number, UploadPart>, signal: AbortSignal): Promise<string | undefined> {
  const offsets = [...stored.keys()].sort((a, b) => a - b);
  const samples = [...new Set([offsets[0], offsets[offsets.length - 1]])].filter((o): o is number => o !== undefined);
  for (const offset of samples) {
    const part = stored.get(offset)!;
    if (offset + part.size > source.size) return `the server holds a part at offset ${offset} beyond the local file's end`;
    const sha1 = await reader.sha1Of(offset, part.size, signal);
    if (sha1 !== part.sha1.toLowerCase()) {
      return `the part at offset ${offset} on the server has sha1 ${part.sha1}; the local bytes hash to ${sha1}`;
    }
  }
  return undefined;
}
