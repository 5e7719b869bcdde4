/**
 * The whole-file SHA-1, advanced over the contiguous prefix of stored parts as they arrive, so that a commit after
 * in-order uploads only compares a digest. Its state (hash-wasm's serialisable SHA-1) and the prefix length live in
 * the metadata store: they survive restarts and any instance can continue them.
 */
import type { SessionRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { digestOfState, type RangeHasher } from './hashing/range-hasher.js';

const PARTS_PER_QUERY = 64;
/** Bytes folded between two saves of the state: a lost save only means re-hashing from the previous one. */
const SAVE_EVERY = 256 * 1024 * 1024;

export class WholeFileHasher {
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(
    private readonly ctx: DomainContext,
    private readonly ranges: RangeHasher | undefined,
  ) {}

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
    return digestOfState(session.hashState);
  }

  private async fold(sessionId: string): Promise<void> {
    if (!this.ranges) return;
    const { meta } = this.ctx;
    let session = await meta.getSession(sessionId);
    while (session && session.state === 'active' && !session.purged && session.hashedBytes < session.fileSize) {
      const from = session.hashedBytes;
      const parts = await meta.partsFrom(sessionId, from, PARTS_PER_QUERY);
      let end = from;
      for (const part of parts) {
        if (part.offset !== end || end - from >= SAVE_EVERY) break;
        end = part.offset + part.size;
      }
      if (end === from) return;
      const state = await this.ranges.fold({ key: session.blobKey, uploadId: session.blobUploadId }, session.hashState, from, end);
      if (!(await meta.advanceHash(sessionId, from, end, state))) {
        this.ctx.log.info({ sessionId }, 'whole-file hash advanced elsewhere; reloading');
      }
      session = await meta.getSession(sessionId);
    }
  }
}
