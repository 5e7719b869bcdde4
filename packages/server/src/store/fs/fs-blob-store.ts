/**
 * BlobStore on a local directory. An upload is one file preallocated (sparse) to the final size; each part is
 * written at its offset and fdatasync'ed before writePart resolves, so commit only has to keep the file.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore, ByteSource, PartPlacement, UploadReader, UploadTarget } from '../blob-store.js';
import { BodyLengthError, StorageFullError } from '../blob-store.js';
import { GroupSync } from './group-sync.js';
import { chunksAfter } from '../chunks.js';

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Socket chunks are gathered into writes of about this size: fewer syscalls, bounded memory. */
const WRITE_BATCH = 1 << 20;

export interface FsBlobStoreOptions {
  /** Directory that holds every blob; created when missing. */
  root: string;
}

export class FsBlobStore implements BlobStore, UploadReader {
  private readonly syncs = new GroupSync();

  private constructor(private readonly root: string) {}

  static async open(options: FsBlobStoreOptions): Promise<FsBlobStore> {
    const root = path.resolve(options.root);
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    return new FsBlobStore(root);
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    return path.join(this.root, key);
  }

  async createUpload(key: string, size: number): Promise<UploadTarget> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    await withFullCheck(async () => {
      const handle = await open(file, 'w');
      try {
        await handle.truncate(size);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    return { key, uploadId: null };
  }

  async writePart(target: UploadTarget, placement: PartPlacement, body: ByteSource, signal?: AbortSignal): Promise<{ etag: null }> {
    const file = this.pathOf(target.key);
    const handle = await open(file, 'r+');
    try {
      await withFullCheck(() => writeAt(handle, placement.offset, placement.size, body, signal));
      await withFullCheck(() => this.syncs.sync(file, handle));
    } finally {
      await handle.close();
    }
    return { etag: null };
  }

  async completeUpload(): Promise<void> {
    // The upload file already is the object: nothing to assemble.
  }

  async abortUpload(target: UploadTarget): Promise<void> {
    await rm(this.pathOf(target.key), { force: true });
  }

  async readUpload(target: UploadTarget, start: number, end: number): Promise<ByteSource> {
    return createReadStream(this.pathOf(target.key), { start, end, highWaterMark: WRITE_BATCH });
  }

  async readableExtent(_target: UploadTarget, _start: number, end: number): Promise<number> {
    return end;
  }

  async put(key: string, body: ByteSource, signal?: AbortSignal): Promise<{ size: number }> {
    const file = this.pathOf(key);
    const temp = path.join(this.root, 'tmp', `${path.basename(file)}-${process.pid}-${Date.now()}`);
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(temp, 'w');
    let size = 0;
    try {
      size = await withFullCheck(() => writeAt(handle, 0, undefined, body, signal));
      await withFullCheck(() => handle.datasync());
      await handle.close();
      await rename(temp, file);
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    return { size };
  }

  async get(key: string, range?: { start: number; end: number }): Promise<ByteSource> {
    return createReadStream(this.pathOf(key), { ...range, highWaterMark: WRITE_BATCH });
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

/** Writes the body at `position` in batches; checks the length when `expected` is given. Returns the bytes written. */
async function writeAt(
  handle: FileHandle,
  position: number,
  expected: number | undefined,
  body: ByteSource,
  signal?: AbortSignal,
): Promise<number> {
  let written = 0;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batchBytes === 0) return;
    let offset = 0;
    while (offset < batchBytes) {
      const { bytesWritten } = await handle.writev(batch, position + written + offset);
      offset += bytesWritten;
      if (offset < batchBytes) batch = chunksAfter(batch, bytesWritten);
    }
    written += batchBytes;
    batch = [];
    batchBytes = 0;
  };
  for await (const chunk of body) {
    signal?.throwIfAborted();
    if (expected !== undefined && written + batchBytes + chunk.byteLength > expected) {
      throw new BodyLengthError(expected, written + batchBytes + chunk.byteLength);
    }
    batch.push(chunk);
    batchBytes += chunk.byteLength;
    if (batchBytes >= WRITE_BATCH) await flush();
  }
  await flush();
  if (expected !== undefined && written !== expected) throw new BodyLengthError(expected, written);
  return written;
}

async function withFullCheck<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC' || (error as NodeJS.ErrnoException).code === 'EDQUOT') {
      throw new StorageFullError(error);
    }
    throw error;
  }
}
