/**
 * BlobStore on a local directory. An upload is one file preallocated (sparse) to the final size; each part is
 * written at its offset and fdatasync'ed before writePart resolves, so commit only has to keep the file.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore, ByteSource, PartPlacement, UploadLister, UploadReader, UploadTarget } from '../blob-store.js';
import { BodyLengthError, StorageFullError } from '../blob-store.js';
import { GroupSync } from './group-sync.js';
import { WRITE_BATCH_BYTES, writevAll } from '../chunks.js';
import { readThrough } from '../reused-buffer-reads.js';

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const KEY_SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Reads (downloads, the whole-file hash) move this much per call. */
const READ_CHUNK = 1 << 20;

export interface FsBlobStoreOptions {
  /** Directory that holds every blob; created when missing. */
  root: string;
}

export class FsBlobStore implements BlobStore, UploadReader, UploadLister {
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

  async readUpload(target: UploadTarget, start: number, end: number, signal?: AbortSignal): Promise<ByteSource> {
    const handle = await open(this.pathOf(target.key), 'r');
    return closing(handle, readThrough(handle, Buffer.allocUnsafe(Math.min(READ_CHUNK, end + 1 - start)), start, end + 1, signal));
  }

  async readableExtent(_target: UploadTarget, _start: number, end: number): Promise<number> {
    return end;
  }

  /**
   * The regular files directly in `folder` whose names could be keys: what createUpload made there, and completed
   * uploads (a local upload is its own object). Symbolic links are never followed, the folder's included.
   */
  async *listUploads(folder: string, notTouchedSince: Date): AsyncIterable<UploadTarget> {
    const dir = this.pathOf(folder);
    if (!(await lstat(dir).catch(absentAsUndefined))?.isDirectory()) return;
    for (const name of (await readdir(dir).catch(absentAsUndefined)) ?? []) {
      if (!KEY_SEGMENT.test(name)) continue;
      const stats = await lstat(path.join(dir, name)).catch(absentAsUndefined);
      if (stats?.isFile() && stats.mtimeMs < notTouchedSince.getTime()) yield { key: `${folder}/${name}`, uploadId: null };
    }
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
    return createReadStream(this.pathOf(key), { ...range, highWaterMark: READ_CHUNK });
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
    await writevAll(handle, batch, batchBytes, position + written);
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
    if (batchBytes >= WRITE_BATCH_BYTES) await flush();
  }
  await flush();
  if (expected !== undefined && written !== expected) throw new BodyLengthError(expected, written);
  return written;
}

/** undefined for a file that is not there (any more); rethrows anything else. */
function absentAsUndefined(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
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

async function* closing(handle: FileHandle, chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* chunks;
  } finally {
    await handle.close();
  }
}
