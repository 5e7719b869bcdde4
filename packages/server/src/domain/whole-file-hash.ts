/**
 * The whole-file SHA-1, advanced over the contiguous prefix of stored parts as they arrive, so that a commit after
 * in-order uploads only compares a digest. Its state (hash-wasm's serialisable SHA-1) and the prefix length live in
 * the metadata store: they survive restarts and any instance can continue them.
 */
import { createSHA1, type IHasher } from 'hash-wasm';
import { canReadUploads } from '../store/blob-store.js';
import type { SessionRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';

const PARTS_PER_QUERY = 64;

export class WholeFileHasher {
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(private readonly ctx: DomainContext) {}

  /** Folds every stored part contiguous with the hashed prefix; resolves when no more can be folded now. */
  advance(sessionId: string): Promise<void> {
    const current = this.running.get(sessionId);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await this.fold(sessionId);
        } while (entry.again);
      } catch (error) {
        this.ctx.log.error({ err: error, sessionId }, 'whole-file hash could not advance');
      } finally {
        this.running.delete(sessionId);
      }
    })();
    this.running.set(sessionId, entry);
    return entry.done;
  }

  /** Hex SHA-1 of the whole file, once the prefix covers it. */
  async digestOf(session: SessionRecord): Promise<string | null> {
    if (session.hashedBytes !== session.fileSize || session.hashState === null) return null;
    const hasher = await createSHA1();
    hasher.load(session.hashState);
    return hasher.digest('hex');
  }

  private async fold(sessionId: string): Promise<void> {
    const { meta, blobs } = this.ctx;
    if (!canReadUploads(blobs)) return;
    let session = await meta.getSession(sessionId);
    let hasher: IHasher | undefined;
    while (session && session.state === 'active' && !session.purged && session.hashedBytes < session.fileSize) {
      const parts = await meta.partsFrom(sessionId, session.hashedBytes, PARTS_PER_QUERY);
      if (parts[0]?.offset !== session.hashedBytes) return;
      hasher ??= await createSHA1();
      if (session.hashState) hasher.load(session.hashState);
      else hasher.init();
      let hashed = session.hashedBytes;
      for (const part of parts) {
        if (part.offset !== hashed) break;
        const bytes = await blobs.readUpload({ key: session.blobKey, uploadId: session.blobUploadId }, part.offset, part.offset + part.size - 1);
        for await (const chunk of bytes) hasher.update(chunk);
        const state = hasher.save();
        if (!(await meta.advanceHash(sessionId, hashed, part.offset + part.size, state))) break; // moved by someone else
        hashed = part.offset + part.size;
      }
      session = await meta.getSession(sessionId);
    }
  }
}
