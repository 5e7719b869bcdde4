/**
 * Deletes the bytes of blobs that no version names any more. The store records such a blob as garbage in the
 * transaction that dropped its last reference; the bytes go afterwards, here — right away for the request that
 * freed them, and on every janitor pass for whatever a crash or a failed delete left behind.
 */
import type { DomainContext } from './context.js';

const BATCH = 100;

export class BlobGarbage {
  constructor(private readonly ctx: DomainContext) {}

  /** Deletes these blobs' bytes and forgets them; failures stay recorded for the janitor. */
  async free(blobKeys: string[]): Promise<number> {
    let freed = 0;
    for (const key of blobKeys) {
      try {
        await this.ctx.blobs.delete(key);
        await this.ctx.meta.forgetGarbage(key);
        freed++;
      } catch (error) {
        this.ctx.log.warn({ err: error, blobKey: key }, 'could not delete a freed blob yet; the janitor retries');
      }
    }
    return freed;
  }

  /** Frees every recorded blob; returns how many went. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const keys = await this.ctx.meta.garbageBlobs(BATCH);
      const freed = await this.free(keys);
      total += freed;
      if (keys.length < BATCH || freed < keys.length) return total;
    }
  }
}
