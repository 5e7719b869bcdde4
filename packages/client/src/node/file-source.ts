/** An UploadSource over a file on disk: one open handle, positional reads, identity = absolute path + mtime. */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { UploadSource } from '../core/index.js';

export interface FileSource extends UploadSource {
  readonly path: string;
  close(): Promise<void>;
}

export async function openFileSource(filePath: string): Promise<FileSource> {
  const absolute = path.resolve(filePath);
  const handle: FileHandle = await open(absolute, 'r');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`${absolute} is not a regular file`);
    return {
      path: absolute,
      id: absolute,
      name: path.basename(absolute),
      size: stats.size,
      lastModified: Math.floor(stats.mtimeMs),
      async slice(start, end) {
        const bytes = Buffer.allocUnsafe(end - start);
        let filled = 0;
        while (filled < bytes.byteLength) {
          const { bytesRead } = await handle.read(bytes, filled, bytes.byteLength - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return bytes.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
