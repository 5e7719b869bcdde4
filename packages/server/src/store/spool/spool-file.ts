/**
 * One part being copied into the spool: written under a temporary name and renamed to its offset once the inner
 * store has accepted the part. The spool is a cache, never a source of truth: nothing is fsync'ed, and a failure to
 * write here only means this part will not be readable from the spool (the part upload itself goes on).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ByteSource } from '../blob-store.js';
import { partFileName, TEMP_SUFFIX } from './spool-layout.js';
import { WRITE_BATCH_BYTES, writevAll } from '../chunks.js';


export class SpoolFile {
  private written = 0;
  private failed = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly temp: string,
    private readonly final: string,
  ) {}

  /** A new temporary file for the part at `offset` in `dir`; undefined when the spool cannot take it. */
  static async create(dir: string, offset: number): Promise<SpoolFile | undefined> {
    const temp = path.join(dir, `${partFileName(offset)}.${randomUUID()}${TEMP_SUFFIX}`);
    // Twice: a concurrent discard may remove the (then empty) directory between mkdir and open.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await mkdir(dir, { recursive: true });
        return new SpoolFile(await open(temp, 'wx'), temp, path.join(dir, partFileName(offset)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
      }
    }
    return undefined;
  }

  /**
   * Yields the body's chunks while copying them to the file in batches of WRITE_BATCH_BYTES (one writev each: socket
   * chunks are small); reads on only once the previous batch is written, so at most two batches are held.
   */
  async *tee(body: ByteSource): AsyncGenerator<Uint8Array> {
    let pending: Promise<void> = Promise.resolve();
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    for await (const chunk of body) {
      batch.push(chunk);
      batchBytes += chunk.byteLength;
      if (batchBytes >= WRITE_BATCH_BYTES) {
        await pending;
        pending = this.write(batch, batchBytes);
        batch = [];
        batchBytes = 0;
      }
      yield chunk;
    }
    await pending;
    if (batchBytes > 0) await this.write(batch, batchBytes);
  }

  /** Publishes the part if exactly `size` bytes were written; otherwise drops it. Never throws. */
  async commit(size: number): Promise<void> {
    if (this.failed || this.written !== size) return this.discard();
    try {
      await this.handle.close();
      await rename(this.temp, this.final);
    } catch {
      await this.discard();
    }
  }

  /** Deletes the temporary file. Never throws. */
  async discard(): Promise<void> {
    this.failed = true;
    await this.handle.close().catch(() => {});
    await rm(this.temp, { force: true }).catch(() => {});
  }

  private async write(chunks: Uint8Array[], bytes: number): Promise<void> {
    if (this.failed) return;
    try {
      await writevAll(this.handle, chunks, bytes, this.written);
      this.written += bytes;
    } catch {
      // A full or failing spool disk costs only this part's local copy.
      this.failed = true;
    }
  }
}
