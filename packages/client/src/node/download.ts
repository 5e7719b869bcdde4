/**
 * Download to disk: stream the content into `<output>.part` while hashing, check size and sha1 against the
 * server's record, then rename into place. A mismatch deletes the partial file and throws IntegrityError.
 * The server's name only ever names a file inside the output directory (local-name.ts).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BoxFile } from '@tranche/protocol';
import { IntegrityError, openDownload, type ClientOptions } from '../core/index.js';
import { withNodeDefaults } from './defaults.js';
import { safeLocalName } from './local-name.js';

export interface DownloadOptions extends ClientOptions {
  /**
   * File or directory to write to. Default: the current directory. In a directory the file gets the server's name
   * made safe as a local name (safeLocalName).
   */
  output?: string | undefined;
  onProgress?: ((progress: { bytes: number; totalBytes: number }) => void) | undefined;
}

export interface DownloadResult {
  path: string;
  file: BoxFile;
  bytes: number;
  sha1: string;
}

export async function downloadFile(fileId: string, options: DownloadOptions): Promise<DownloadResult> {
  const opts = withNodeDefaults(options);
  const { file, response } = await openDownload(fileId, opts);
  const target = await outputPath(options.output, safeLocalName(file.name, file.id));
  const temp = `${target}.part`;
  // Made anew (never through a link an attacker left under that name).
  await rm(temp, { force: true });
  const hash = createHash('sha1');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.byteLength;
      options.onProgress?.({ bytes, totalBytes: file.size });
      callback(null, chunk);
    },
  });
  try {
    await pipeline(response.body, meter, createWriteStream(temp, { flags: 'wx' }), { signal: opts.signal });
    const sha1 = hash.digest('hex');
    if (bytes !== file.size) throw new IntegrityError(`download of file ${file.id} (${bytes} bytes, expected ${file.size})`, file.sha1, sha1);
    if (sha1 !== file.sha1.toLowerCase()) throw new IntegrityError(`download of file ${file.id}`, file.sha1, sha1);
    await rename(temp, target);
    return { path: target, file, bytes, sha1 };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** `name` (one safe path segment) in the output directory, or the output file itself. */
async function outputPath(output: string | undefined, name: string): Promise<string> {
  if (!output) return path.resolve(name);
  const isDir = await stat(output).then((s) => s.isDirectory(), () => false);
  return isDir || output.endsWith(path.sep) ? path.resolve(output, name) : path.resolve(output);
}
