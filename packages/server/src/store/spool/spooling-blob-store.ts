/**
 * Gives a store that cannot read an incomplete upload back (S3) the UploadReader capability for the parts this
 * instance received: each part body is copied into a local spool while it streams to the inner store, so the
 * whole-file SHA-1 can advance without downloading anything. Parts received by other instances are not here;
 * readableExtent says how far the local ones reach. All state is on disk: a worker thread reads the same spool
 * through its own SpoolingBlobStore.
 */
import { open, readdir, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { readThrough } from '../reused-buffer-reads.js';
import type { BlobStore, ByteSource, PartPlacement, PresignedReader, UploadLister, UploadReader, UploadTarget } from '../blob-store.js';
import { canListUploads, canPresign } from '../blob-store.js';
import { SpoolFile } from './spool-file.js';
import { contiguousRun, isAbsent, listParts, TEMP_SUFFIX, uploadDirName, type SpooledPart } from './spool-layout.js';

const READ_CHUNK = 1 << 20;

export class SpoolingBlobStore implements BlobStore, UploadReader {
  readonly minPartSize?: number;
  /** Present only when the inner store presigns. */
  readonly presignGet?: PresignedReader['presignGet'];
  readonly presignSeconds?: number;
  /** Present only when the inner store lists its uploads (not S3: there a lifecycle rule reclaims them). */
  readonly listUploads?: UploadLister['listUploads'];

  constructor(
    private readonly inner: BlobStore,
    readonly spoolDir: string,
  ) {
    if (inner.minPartSize !== undefined) this.minPartSize = inner.minPartSize;
    if (canPresign(inner)) {
      this.presignGet = (key, expiresInSeconds, filename) => inner.presignGet(key, expiresInSeconds, filename);
      const seconds = (inner as { presignSeconds?: number }).presignSeconds;
      if (seconds !== undefined) this.presignSeconds = seconds;
    }
    if (canListUploads(inner)) this.listUploads = (folder, notTouchedSince) => inner.listUploads(folder, notTouchedSince);
  }

  createUpload(key: string, size: number, signal?: AbortSignal): Promise<UploadTarget> {
    return this.inner.createUpload(key, size, signal);
  }

  async writePart(target: UploadTarget, placement: PartPlacement, body: ByteSource, signal?: AbortSignal): Promise<{ etag: string | null }> {
    const dir = this.dirOf(target);
    const file = await SpoolFile.create(dir, placement.offset);
    if (!file) return this.inner.writePart(target, placement, body, signal);
    let receipt: { etag: string | null };
    try {
      receipt = await this.inner.writePart(target, placement, file.tee(body), signal);
    } catch (error) {
      await file.discard();
      await rmdir(dir).catch(() => {}); // only if this was the upload's first part
      throw error;
    }
    await file.commit(placement.size);
    return receipt;
  }

  completeUpload(target: UploadTarget, parts: Array<{ partNumber: number; etag: string | null }>, signal?: AbortSignal): Promise<void> {
    return this.inner.completeUpload(target, parts, signal);
  }

  async abortUpload(target: UploadTarget, signal?: AbortSignal): Promise<void> {
    await this.inner.abortUpload(target, signal);
    await this.discardUpload(target);
  }

  put(key: string, body: ByteSource, signal?: AbortSignal): Promise<{ size: number }> {
    return this.inner.put(key, body, signal);
  }

  get(key: string, range?: { start: number; end: number }, signal?: AbortSignal): Promise<ByteSource> {
    return this.inner.get(key, range, signal);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  async readableExtent(target: UploadTarget, start: number, end: number): Promise<number> {
    if (end <= start) return start;
    return contiguousRun(await listParts(this.dirOf(target)), start, end).reach;
  }

  async readUpload(target: UploadTarget, start: number, end: number, signal?: AbortSignal): Promise<ByteSource> {
    const stop = end + 1;
    const { run, reach } = contiguousRun(await listParts(this.dirOf(target)), start, stop);
    if (reach < stop) {
      throw new Error(`the spool holds bytes [${start}, ${reach}) of upload ${target.key}, not up to byte ${end}`);
    }
    // Opened now: a part discarded from here on stays readable through its handle.
    const opened = await Promise.allSettled(run.map((part) => open(part.file, 'r')));
    const handles = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const missing = opened.find((outcome) => outcome.status === 'rejected');
    if (missing) {
      await Promise.all(handles.map((handle) => handle.close()));
      throw new Error(`a spooled part of upload ${target.key} vanished while being read`, { cause: missing.reason });
    }
    return readRun(run, handles, start, stop, signal);
  }

  /** Deletes the spooled parts that lie wholly below `offset`, and the upload's directory once it is empty. */
  async discardBelow(target: UploadTarget, offset: number): Promise<void> {
    const dir = this.dirOf(target);
    const parts = await listParts(dir);
    const below = parts.filter((part) => part.offset + part.size <= offset);
    await Promise.all(below.map((part) => rm(part.file, { force: true })));
    if (below.length === parts.length) await rmdir(dir).catch(() => {}); // not there, or a part is arriving
  }

  /** Deletes everything spooled for the upload. */
  async discardUpload(target: UploadTarget): Promise<void> {
    await rm(this.dirOf(target), { recursive: true, force: true }).catch((error: unknown) => {
      if (!isAbsent(error)) throw error;
    });
  }

  /**
   * Deletes upload directories nothing was written to for `maxAgeMs` (left by crashes, or by sessions finished
   * elsewhere), and stale temporary files in the others. Returns how many directories went.
   */
  async sweep(maxAgeMs: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.spoolDir);
    } catch (error) {
      if (isAbsent(error)) return 0;
      throw error;
    }
    const cutoff = Date.now() - maxAgeMs;
    let removed = 0;
    for (const name of names) {
      const dir = path.join(this.spoolDir, name);
      const entries = await ages(dir);
      if (entries === undefined) continue;
      if (Math.max(entries.dir, ...entries.files.map((f) => f.mtimeMs)) < cutoff) {
        await rm(dir, { recursive: true, force: true });
        removed++;
        continue;
      }
      const staleTemps = entries.files.filter((f) => f.name.endsWith(TEMP_SUFFIX) && f.mtimeMs < cutoff);
      await Promise.all(staleTemps.map((f) => rm(path.join(dir, f.name), { force: true })));
    }
    return removed;
  }

  private dirOf(target: UploadTarget): string {
    return path.join(this.spoolDir, uploadDirName(target));
  }
}

/**
 * Streams [start, stop) out of consecutive part files through one reused buffer (UploadReader's contract); closes
 * every handle however the reading ends.
 */
async function* readRun(run: SpooledPart[], handles: FileHandle[], start: number, stop: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, stop - start));
  let next = 0;
  try {
    for (; next < run.length; next++) {
      const part = run[next]!;
      const from = Math.max(start, part.offset) - part.offset;
      const to = Math.min(stop, part.offset + part.size) - part.offset;
      yield* readThrough(handles[next]!, buffer, from, to, signal);
      await handles[next]!.close();
    }
  } finally {
    await Promise.all(handles.slice(next).map((handle) => handle.close().catch(() => {})));
  }
}

/** mtimes of a directory and of its entries; undefined when it is not a directory (any more). */
async function ages(dir: string): Promise<{ dir: number; files: Array<{ name: string; mtimeMs: number }> } | undefined> {
  try {
    const own = await stat(dir);
    if (!own.isDirectory()) return undefined;
    const names = await readdir(dir);
    const files = await Promise.all(
      names.map(async (name) => ({ name, mtimeMs: (await stat(path.join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })),
    );
    return { dir: own.mtimeMs, files };
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}
