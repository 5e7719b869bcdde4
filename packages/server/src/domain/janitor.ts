/**
 * Releases the bytes of aborted and expired sessions, purges what has been in the trash past the retention, deletes
 * the bytes of blobs no version names any more, and removes upload blobs without a session, periodically; one
 * instance at a time across a cluster.
 */
import type { BlobGarbage } from './blob-garbage.js';
import type { DomainContext } from './context.js';
import type { Trash } from './trash.js';
import type { JanitorReport } from './events.js';
import { OrphanUploads } from './orphan-uploads.js';
import type { UploadSessions } from './upload-sessions.js';

const BATCH = 100;

export class Janitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<JanitorReport | undefined> | undefined;
  private readonly orphans: OrphanUploads;
  private readonly stopping = new AbortController();

  /** @param orphanAgeMs how long an upload blob without a session is left alone (default 1 h). */
  constructor(
    private readonly ctx: DomainContext,
    private readonly sessions: UploadSessions,
    private readonly items: { trash: Trash; garbage: BlobGarbage },
    orphanAgeMs?: number,
  ) {
    this.orphans = new OrphanUploads(ctx, orphanAgeMs);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sweep(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  /** One pass; returns how many sessions it released. Overlapping calls share the pass. */
  async sweep(): Promise<number> {
    return (await this.sweepReport())?.releasedSessions ?? 0;
  }

  /** One pass and what it freed; undefined when another process was running the janitor. Overlapping calls share it. */
  sweepReport(): Promise<JanitorReport | undefined> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<JanitorReport | undefined> {
    try {
      const outcome = await this.ctx.meta.exclusively('janitor', async () => {
        const report: JanitorReport = { releasedSessions: 0, freedBytes: 0, removedOrphans: 0 };
        await this.release(report);
        await this.purgeTrash();
        report.removedOrphans = await this.removeOrphans();
        return report;
      });
      if (!outcome.ran) return undefined;
      this.ctx.events?.janitorRan?.(outcome.value);
      return outcome.value;
    } catch (error) {
      this.ctx.log.error({ err: error }, 'janitor pass failed');
      return undefined;
    }
  }

  private async release(report: JanitorReport): Promise<void> {
    try {
      for (;;) {
        const batch = await this.ctx.meta.sessionsToPurge(this.ctx.now(), BATCH);
        for (const session of batch) {
          if (await this.sessions.release(session)) {
            report.releasedSessions++;
            report.freedBytes += session.fileSize;
          }
        }
        if (batch.length < BATCH) break;
      }
    } catch (error) {
      this.ctx.log.error({ err: error }, 'janitor pass failed');
    }
    const { releasedSessions: released, freedBytes } = report;
    if (released > 0) this.ctx.log.info({ released, freedBytes }, 'janitor released expired or aborted sessions');
  }

  /** Trash past the retention, then every blob left recorded as garbage (by this pass or a crash before it). */
  private async purgeTrash(): Promise<void> {
    try {
      let purged = 0;
      for (;;) {
        const count = await this.items.trash.purgeExpired(BATCH);
        purged += count;
        if (count < BATCH || this.stopping.signal.aborted) break;
      }
      const freed = await this.items.garbage.sweep();
      if (purged > 0 || freed > 0) this.ctx.log.info({ purged, freed }, 'janitor purged expired trash and freed blobs');
    } catch (error) {
      this.ctx.log.error({ err: error }, 'janitor: purging the trash failed');
    }
  }

  private async removeOrphans(): Promise<number> {
    try {
      const removed = await this.orphans.sweepIfDue(this.stopping.signal);
      if (removed > 0) this.ctx.log.info({ removed }, 'janitor removed upload blobs without a session');
      return removed;
    } catch (error) {
      this.ctx.log.error({ err: error }, 'janitor: removing upload blobs without a session failed');
      return 0;
    }
  }
}
