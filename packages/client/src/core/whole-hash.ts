/**
 * Hashing for uploads through the injected hashers: a part's SHA-1 (`partSha1`, e.g. Web Crypto, or the sync
 * `createHasher`), and the whole-file SHA-1 (`createWholeHasher`, resumable from a saved state, or `createHasher`
 * wrapped). Also the check, before a resumed upload sends anything, that sampled stored parts still match the file.
 */
import type { UploadPart } from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import type { AsyncHasher } from './hasher.js';
import type { UploadSource } from './source.js';

export async function digestPart(config: ClientConfig, bytes: Uint8Array): Promise<string> {
  if (config.partSha1) return (await config.partSha1(bytes)).toLowerCase();
  const hasher = config.createHasher();
  hasher.update(bytes);
  return hasher.digestHex();
}

export interface OpenedWholeHasher {
  hasher: AsyncHasher;
  /** Bytes [0, hashedTo) are already in the hash (restored from `saved`). */
  hashedTo: number;
}

/** A whole-file hasher, restored from `saved` when the factory can, else fresh. */
export function openWholeHasher(config: ClientConfig, saved: { offset: number; state: string } | undefined): OpenedWholeHasher {
  const factory = config.createWholeHasher;
  if (factory && saved && saved.offset > 0) {
    try {
      return { hasher: factory(saved.state), hashedTo: saved.offset };
    } catch {
      // A state this hasher cannot load (another implementation wrote it): hash from the start.
    }
  }
  return { hasher: factory ? factory() : config.createHasher(), hashedTo: 0 };
}

/**
 * The parts a resumed upload checks before sending a byte: the first and the last part the server holds. Their
 * local bytes must hash to the server's sha1, or the file changed since (same size and mtime notwithstanding).
 */
export async function verifySampledParts(
  hashing: { check(start: number, end: number, signal: AbortSignal): Promise<string> },
  source: UploadSource,
  stored: Map<number, UploadPart>,
  signal: AbortSignal,
): Promise<string | undefined> {
  const offsets = [...stored.keys()].sort((a, b) => a - b);
  const samples = [...new Set([offsets[0], offsets[offsets.length - 1]])].filter((o): o is number => o !== undefined);
  for (const offset of samples) {
    const part = stored.get(offset)!;
    if (offset + part.size > source.size) return `the server holds a part at offset ${offset} beyond the local file's end`;
    const sha1 = await hashing.check(offset, offset + part.size, signal);
    if (sha1 !== part.sha1.toLowerCase()) {
      return `the part at offset ${offset} on the server has sha1 ${part.sha1}; the local bytes hash to ${sha1}`;
    }
  }
  return undefined;
}
