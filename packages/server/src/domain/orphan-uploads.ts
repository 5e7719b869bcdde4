/**
 * Aborts session upload blobs that no session record names. A crash between creating a session's blob and
 * recording the session leaves one behind; the client never got that session, so nothing acknowledged is in it.
 * Runs on stores that list their uploads: local files, and S3 (its incomplete multipart uploads under the prefix,
 * by the time they were initiated).
 */
import { canListUploads, type BlobStore, type UploadLister } from '../store/blob-store.js';
import type { DomainContext } from './context.js';
import { SESSION_BLOB_FOLDER, sessionIdOfBlobKey } from './ids.js';

/** Default for `ageMs`. */
export const DEFAULT_ORPHAN_AGE_MS = 3600_000;
const MAX_SWEEP_INTERVAL_MS = 3600_000;

export class OrphanUploads {
  private lastSweep: number | undefined;

  /**
   * @param ageMs only blobs untouched for this long are candidates: a session being created has its blob
   *   before its record, and must not lose it in between.
   */
  constructor(
    private readonly ctx: DomainContext,
    private readonly ageMs: number = DEFAULT_ORPHAN_AGE_MS,
  ) {
    if (!Number.isSafeInteger(ageMs) || ageMs <= 0) throw new Error(`the orphan age must be a positive number of milliseconds, got ${ageMs}`);
  }

  /** A blob becomes a candidate at most `ageMs` after the last sweep missed it; at least hourly all the same. */
  get sweepIntervalMs(): number {
    return Math.min(this.ageMs, MAX_SWEEP_INTERVAL_MS);
  }

  /**
   * Sweeps on the first call and then once per interval, when the store can list uploads; otherwise does nothing.
   * Returns how many blobs it aborted. Stops early when `signal` aborts.
   */
  async sweepIfDue(signal?: AbortSignal): Promise<number> {
    const { blobs } = this.ctx;
    if (!canListUploads(blobs)) return 0;
    const now = this.ctx.now().getTime();
    if (this.lastSweep !== undefined && now - this.lastSweep < this.sweepIntervalMs) return 0;
    this.lastSweep = now;
    return this.sweep(blobs, new Date(now - this.ageMs), signal);
  }

  private async sweep(blobs: BlobStore & UploadLister, notTouchedSince: Date, signal?: AbortSignal): Promise<number> {
    let aborted = 0;
    for await (const target of blobs.listUploads(SESSION_BLOB_FOLDER, notTouchedSince)) {
      if (signal?.aborted) break;
      const sessionId = sessionIdOfBlobKey(target.key);
      if (sessionId === undefined) continue;
      // A session in any state keeps its blob: it is live, becomes a file, or is released by its own expiry or abort.
      if (await this.ctx.meta.getSession(sessionId)) continue;
      await blobs.abortUpload(target);
      aborted++;
    }
    return aborted;
  }
}
