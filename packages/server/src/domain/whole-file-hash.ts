/**
 * The whole-file SHA-1, advanced over the contiguous prefix of stored parts as they arrive, so that a commit after
 * in-order uploads only compares a digest.
 *
 * A single instance hashes live (node:crypto, in memory on the hash worker) and stores only the final digest: a
 * crash means hashing the stored prefix again from byte 0, in the background, which costs less over a file's life
 * than the resumable hash's 2.5× slower SHA-1 on every byte. Instances of a cluster hash resumably: the state
 * (hash-wasm's serialisable SHA-1) and the prefix length live in the metadata store, so any instance can continue
 * them. A session that already has a saved state (from a cluster, or an older version) stays resumable.
 *
 * Each instance folds what it can read: on local disk every stored part; on S3 (which cannot read an upload back)
 * the parts this instance received, from its spool. When the next part sits in another instance's spool, that
 * instance folds it once the prefix reaches it, so instances holding later parts watch the prefix until it passes
 * them. Should no instance hold the missing bytes any more, the commit completes the upload and the fold reads
 * the object back.
 */
import type { SessionRecord } from '../store/metadata-store.js';
import { canReadUploads } from '../store/blob-store.js';
import type { DomainContext } from './context.js';
import { crashPoint } from './crash-points.js';
import { digestOfState, type HashSource, type RangeHasher } from './hashing/range-hasher.js';

/** Where a session's folding resumes; `live`: in the live hash, not from a saved state. */
type Progress = { bytes: number; state: Uint8Array | null; live: boolean };

const PARTS_PER_QUERY = 64;
/** Bytes folded between two saves of the state: a lost save only means re-hashing from the previous one. */
const SAVE_EVERY = 256 * 1024 * 1024;
/** How often sessions with parts waiting here for the prefix are looked at again. */
const WATCH_INTERVAL_MS = 25;
/** A prefix that has not moved for this long is left to the commit's fallback (read the object back). */
const WATCH_GIVE_UP_MS = 5 * 60_000;

interface Watch {
  /** End of the furthest part stored through this instance. */
  end: number;
  hashedBytes: number;
  movedAt: number;
}

export class WholeFileHasher {
  private readonly running = new Map<string, { again: boolean; fromObject: boolean; done: Promise<void> }>();
  /**
   * A resumable hash on a single instance (a session that had a saved state) is saved every SAVE_EVERY bytes and at
   * the end of the file, not after every part (one fsync less per part); what it folded since lives here. A crash
   * only means folding again from the save. Instances of a cluster save after every run: the next part may be
   * another instance's to fold.
   */
  private readonly unsaved = new Map<string, { bytes: number; state: Uint8Array }>();
  /** How far each session's live hash (on the RangeHasher) has reached; nothing is saved until the end. */
  private readonly live = new Map<string, number>();
  /** Sessions with parts stored through this instance beyond the hashed prefix. */
  private readonly watched = new Map<string, Watch>();
  /** Per session, bytes of parts stored through this instance and bytes folded here (the backlog is the gap). */
  private readonly backlog = new Map<string, { stored: number; folded: number }>();
  private watchTimer: NodeJS.Timeout | undefined;

  /** `clustered`: other instances store parts of the same sessions, so parts held here wait for the prefix. */
  constructor(
    private readonly ctx: DomainContext,
    private readonly ranges: RangeHasher | undefined,
    readonly clustered = false,
  ) {}

  /**
   * A part of `size` bytes ending at `end` was stored through this instance: fold it now, or as soon as the prefix
   * reaches it.
   */
  partStored(sessionId: string, end: number, size = 0): void {
    const counts = this.backlog.get(sessionId);
    if (counts) counts.stored += size;
    else this.backlog.set(sessionId, { stored: size, folded: 0 });
    if (this.clustered) {
      const watch = this.watched.get(sessionId);
      if (watch) watch.end = Math.max(watch.end, end);
      else this.watched.set(sessionId, { end, hashedBytes: -1, movedAt: Date.now() });
      this.watchTimer ??= setInterval(() => this.lookAgain(), WATCH_INTERVAL_MS);
    }
    void this.advance(sessionId);
  }

  /**
   * Folds every stored part contiguous with the hashed prefix that this instance can read; resolves when no more
   * can be folded now. Reading a completed upload's object back is left to commits (`fromObject`), so that
   * instances watching the session do not all read it.
   */
  advance(sessionId: string, fromObject = false): Promise<void> {
    const current = this.running.get(sessionId);
    if (current) {
      current.again = true;
      current.fromObject ||= fromObject;
      return current.done;
    }
    const entry = { again: false, fromObject, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await this.fold(sessionId, () => entry.fromObject);
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

  /** Bytes folded so far, saved or not (for a commit's Retry-After). */
  hashedBytes(session: SessionRecord): number {
    return Math.max(session.hashedBytes, this.live.get(session.id) ?? 0, this.unsaved.get(session.id)?.bytes ?? 0);
  }

  /** Hex SHA-1 of the whole file, once the prefix covers it. */
  async digestOf(session: SessionRecord): Promise<string | null> {
    if (session.hashedBytes !== session.fileSize || session.hashState === null) return null;
    return digestOfState(session.hashState);
  }

  /** Drops what this instance keeps in memory about a session whose bytes were released (abort, expiry). */
  async forget(sessionId: string): Promise<void> {
    this.unsaved.delete(sessionId);
    this.watched.delete(sessionId);
    this.backlog.delete(sessionId);
    if (this.live.delete(sessionId)) await this.ranges?.forgetLive(sessionId);
  }

  /** Bytes of parts stored through this instance that its whole-file hashing has not folded yet. */
  get backlogBytes(): number {
    let behind = 0;
    for (const { stored, folded } of this.backlog.values()) behind += Math.max(0, stored - folded);
    return behind;
  }

  /** How many sessions this instance keeps hash progress or a watch for, in memory. */
  get trackedSessions(): number {
    return new Set([...this.live.keys(), ...this.unsaved.keys(), ...this.watched.keys()]).size;
  }

  stop(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    this.watched.clear();
  }

  private lookAgain(): void {
    if (this.watched.size === 0) {
      clearInterval(this.watchTimer);
      this.watchTimer = undefined;
      return;
    }
    for (const sessionId of this.watched.keys()) {
      if (!this.running.has(sessionId)) void this.advance(sessionId);
    }
  }

  private async fold(sessionId: string, fromObject: () => boolean): Promise<void> {
    const { meta } = this.ctx;
    let session = await meta.getSession(sessionId);
    while (session && session.state === 'active' && !session.purged && this.ranges) {
      const progress = this.progressOf(session);
      if (progress.bytes >= session.fileSize) break;
      const from = progress.bytes;
      const parts = await meta.partsFrom(sessionId, from, PARTS_PER_QUERY);
      let end = from;
      for (const part of parts) {
        if (part.offset !== end || end - from >= SAVE_EVERY) break;
        end = part.offset + part.size;
      }
      const source = sourceOf(session);
      if (source.kind === 'object' && !fromObject()) break;
      if (source.kind === 'upload' && end > from) end = canReadUploads(this.ctx.blobs) ? await this.ctx.blobs.readableExtent(source.target, from, end) : from;
      if (end === from) break;
      if (progress.live) {
        await this.foldLive(session, source, from, end);
      } else {
        await this.foldResumable(session, source, progress.state, from, end);
      }
      const counts = this.backlog.get(sessionId);
      if (counts) counts.folded += end - from;
      if (end >= session.fileSize) this.backlog.delete(sessionId);
      session = await meta.getSession(sessionId);
    }
    await this.settle(sessionId, session);
  }

  private async foldLive(session: SessionRecord, source: HashSource, from: number, end: number): Promise<void> {
    const ranges = this.ranges!;
    try {
      await ranges.foldLive(session.id, source, from, end);
    } catch (error) {
      this.live.delete(session.id); // the live hash is gone with the failed fold: the next one starts from 0
      throw error;
    }
    crashPoint('hash-folded');
    if (end < session.fileSize) {
      this.live.set(session.id, end);
      return;
    }
    const digest = await ranges.finishLive(session.id);
    this.live.delete(session.id);
    if (!(await this.ctx.meta.advanceHash(session.id, session.hashedBytes, end, digest))) {
      this.ctx.log.info({ sessionId: session.id }, 'whole-file hash advanced elsewhere; reloading');
    }
  }

  private async foldResumable(session: SessionRecord, source: HashSource, state: Uint8Array | null, from: number, end: number): Promise<void> {
    const saved = session.hashedBytes;
    const folded = await this.ranges!.fold(source, state, from, end);
    crashPoint('hash-folded');
    if (this.clustered || end === session.fileSize || end - saved >= SAVE_EVERY) {
      this.unsaved.delete(session.id);
      if (!(await this.ctx.meta.advanceHash(session.id, saved, end, folded))) {
        this.ctx.log.info({ sessionId: session.id }, 'whole-file hash advanced elsewhere; reloading');
      }
    } else {
      this.unsaved.set(session.id, { bytes: end, state: folded });
    }
  }

  /**
   * Where folding resumes: the live hash; or, for a session with nothing saved on a single instance, a new live
   * hash; or this instance's unsaved resumable progress when it is ahead of the saved one; or the saved state.
   */
  private progressOf(session: SessionRecord): Progress {
    const reached = this.live.get(session.id);
    if (reached !== undefined) return { bytes: reached, state: null, live: true };
    if (!this.clustered && session.hashedBytes === 0) return { bytes: 0, state: null, live: true };
    const mine = this.unsaved.get(session.id);
    if (mine && mine.bytes > session.hashedBytes) return { ...mine, live: false };
    this.unsaved.delete(session.id);
    return { bytes: session.hashedBytes, state: session.hashState, live: false };
  }

  /** Stops watching a session the prefix has passed (or that ended), and lets a spool drop what was hashed. */
  private async settle(sessionId: string, session: SessionRecord | undefined): Promise<void> {
    const over = !session || session.state !== 'active' || session.purged;
    if (over) {
      await this.forget(sessionId);
    } else {
      const watch = this.watched.get(sessionId);
      if (watch) {
        const now = Date.now();
        if (session.hashedBytes !== watch.hashedBytes) Object.assign(watch, { hashedBytes: session.hashedBytes, movedAt: now });
        if (session.uploadCompleted || session.hashedBytes >= watch.end || now - watch.movedAt > WATCH_GIVE_UP_MS) this.watched.delete(sessionId);
      }
    }
    const { blobs } = this.ctx;
    if (session && canReadUploads(blobs) && blobs.discardBelow) {
      const target = { key: session.blobKey, uploadId: session.blobUploadId };
      await blobs.discardBelow(target, over ? Number.MAX_SAFE_INTEGER : session.hashedBytes);
    }
  }
}

function sourceOf(session: SessionRecord): HashSource {
  return session.uploadCompleted ? { kind: 'object', key: session.blobKey } : { kind: 'upload', target: { key: session.blobKey, uploadId: session.blobUploadId } };
}
