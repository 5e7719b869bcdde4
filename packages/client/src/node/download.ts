/**
 * Download to disk: the content goes into `<output>.part` while its progress is noted in `<output>.part.json`
 * (the file's id and sha1, and for ranged downloads the chunks done). An interrupted download resumes from the
 * `.part` with `Range` when the server's sha1 is still the one recorded; files of `rangeThreshold` bytes or more
 * are fetched as `connections` ranges in parallel. At the end size and sha1 are checked against the server's
 * record, then the file is renamed into place; a mismatch deletes the partial file and throws IntegrityError.
 * `streamDownload` writes to any stream (stdout) and checks the sha1 at the end.
 * The server's name only ever names a file inside the output directory (local-name.ts). A `.part` is made anew
 * with O_EXCL after removing whatever had its name (a link is removed, never followed); one is resumed only when
 * it is a regular file, opened without following links.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { lstat, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BoxFile } from '@tranche/protocol';
import { getFile, IntegrityError, openDownload, TaskPool, TrancheProtocolError, type ClientOptions } from '../core/index.js';
import { withNodeDefaults } from './defaults.js';
import { safeLocalName } from './local-name.js';

export interface DownloadOptions extends ClientOptions {
  /**
   * File or directory to write to. Default: the current directory. In a directory the file gets the server's name
   * made safe as a local name (safeLocalName); an explicit file path is used as given.
   */
  output?: string | undefined;
  /** The file's record when the caller already has it (saves a GET). */
  file?: BoxFile | undefined;
  /** Continue from an existing `.part` (default true). */
  resume?: boolean | undefined;
  /** Ranges in flight for a large file (default 4; 1 = one stream). */
  connections?: number | undefined;
  /** Files this large or larger are fetched as parallel ranges (default 64 MiB). */
  rangeThreshold?: number | undefined;
  /** Size of one range (default: the file split in 4 per connection, 256 KiB–64 MiB). */
  chunkSize?: number | undefined;
  onProgress?: ((progress: { bytes: number; totalBytes: number }) => void) | undefined;
}

export interface DownloadResult {
  path: string;
  file: BoxFile;
  bytes: number;
  sha1: string;
  /** Bytes that were already in the `.part` from an earlier run. */
  resumedBytes: number;
}

interface PartState {
  file_id: string;
  sha1: string;
  size: number;
  chunk?: number;
  done?: number[];
}

const MiB = 1024 * 1024;

export async function downloadFile(fileId: string, options: DownloadOptions): Promise<DownloadResult> {
  const opts = withNodeDefaults(options);
  const file = options.file ?? (await getFile(fileId, opts));
  const target = await outputPath(options.output, safeLocalName(file.name, file.id));
  const temp = `${target}.part`;
  const sidecar = `${temp}.json`;
  const connections = options.connections ?? 4;
  const ranged = connections > 1 && file.size >= (options.rangeThreshold ?? 64 * MiB);
  let state = options.resume === false ? undefined : await readState(sidecar);
  if (state && (state.file_id !== file.id || state.sha1 !== file.sha1 || state.size !== file.size || (state.chunk !== undefined) !== ranged)) {
    state = undefined;
  }
  // Only a regular file is resumed (not a link or anything else left under that name).
  if (state && !(await lstat(temp).then((s) => s.isFile(), () => false))) state = undefined;
  if (!state) {
    await freshPart(temp);
    state = { file_id: file.id, sha1: file.sha1, size: file.size };
    await writeState(sidecar, state);
  }
  const { sha1, resumedBytes } = ranged
    ? await rangedDownload(file, temp, sidecar, state, opts, options)
    : await streamedDownload(file, temp, opts, options);
  const bytes = (await stat(temp)).size;
  if (bytes !== file.size || sha1 !== file.sha1.toLowerCase()) {
    await rm(temp, { force: true });
    await rm(sidecar, { force: true });
    throw new IntegrityError(`download of file ${file.id} (${bytes} bytes, expected ${file.size})`, file.sha1, sha1);
  }
  await rename(temp, target);
  await rm(sidecar, { force: true });
  return { path: target, file, bytes, sha1, resumedBytes };
}

/** One stream, appended to what the `.part` already holds (whose bytes are hashed first). */
async function streamedDownload(file: BoxFile, temp: string, opts: ClientOptions, options: DownloadOptions): Promise<{ sha1: string; resumedBytes: number }> {
  const hash = createHash('sha1');
  let have = Math.min((await lstat(temp)).size, file.size);
  if (have > 0 && have === file.size) have = 0; // complete but unverified: fetch again rather than trust it
  if (have > 0) await pipeline(createReadStream(temp, { end: have - 1 }), new Transform({ transform: (c, _e, cb) => (hash.update(c), cb()) }));
  const { response } = await openDownload(file.id, { ...opts, file, range: have > 0 ? { start: have } : undefined });
  if (have > 0 && response.status !== 206) {
    // The server sent everything: start over from byte 0.
    response.discard();
    await freshPart(temp);
    return streamedDownload(file, temp, opts, options);
  }
  const resumedBytes = have;
  options.onProgress?.({ bytes: have, totalBytes: file.size });
  const meter = hashingMeter(hash, have, file.size, options.onProgress);
  const handle = await openPart(temp);
  if (have === 0) await handle.truncate(0);
  await pipeline(response.body, meter, handle.createWriteStream({ start: have }), { signal: opts.signal });
  return { sha1: hash.digest('hex'), resumedBytes };
}

/** Chunks of the file fetched as ranges, `connections` at a time, each written at its offset; done chunks noted. */
async function rangedDownload(
  file: BoxFile,
  temp: string,
  sidecar: string,
  state: PartState,
  opts: ClientOptions,
  options: DownloadOptions,
): Promise<{ sha1: string; resumedBytes: number }> {
  const connections = options.connections ?? 4;
  const chunk = state.chunk ?? options.chunkSize ?? Math.min(64 * MiB, Math.max(256 * 1024, Math.ceil(file.size / (connections * 4))));
  state.chunk = chunk;
  const done = new Set(state.done ?? []);
  const count = Math.ceil(file.size / chunk);
  const handle = await openPart(temp);
  const resumedBytes = [...done].reduce((n, i) => n + Math.min(chunk, file.size - i * chunk), 0);
  let bytes = resumedBytes;
  const inflight = new Map<number, number>();
  const report = (): void => options.onProgress?.({ bytes: bytes + [...inflight.values()].reduce((a, b) => a + b, 0), totalBytes: file.size });
  let saving = Promise.resolve();
  // The SHA-1 follows the downloaded prefix: each chunk is hashed (from the file) once every chunk before it is
  // there, while later ranges still arrive, instead of in one pass over the whole file at the end.
  const hash = createHash('sha1');
  let hashedChunks = 0;
  let hashing = Promise.resolve();
  const hashPrefix = async (): Promise<void> => {
    for (; hashedChunks < count && done.has(hashedChunks); hashedChunks++) {
      const start = hashedChunks * chunk;
      const end = Math.min(file.size, start + chunk) - 1;
      await pipeline(createReadStream(temp, { start, end }), new Transform({ transform: (c, _e, cb) => (hash.update(c), cb()) }));
    }
  };
  const followPrefix = (): void => {
    hashing = hashing.then(hashPrefix);
    hashing.catch(() => undefined);
  };
  try {
    await handle.truncate(file.size);
    followPrefix();
    report();
    const todo = Array.from({ length: count }, (_, i) => i).filter((i) => !done.has(i));
    const pool = new TaskPool(connections);
    for (const index of todo) {
      await pool.ready();
      opts.signal?.throwIfAborted();
      pool.start(async () => {
        const start = index * chunk;
        const end = Math.min(file.size, start + chunk) - 1;
        const { response } = await openDownload(file.id, { ...opts, file, range: { start, end } });
        if (response.status !== 206) {
          response.discard();
          throw new TrancheProtocolError(`GET content of file ${file.id}: a range was answered ${response.status}, not 206`);
        }
        let at = start;
        for await (const piece of response.body) {
          await handle.write(piece, 0, piece.byteLength, at);
          at += piece.byteLength;
          inflight.set(index, at - start);
          report();
        }
        inflight.delete(index);
        if (at !== end + 1) throw new TrancheProtocolError(`GET content of file ${file.id}: range ${start}-${end} ended after ${at - start} bytes`);
        bytes += end + 1 - start;
        done.add(index);
        state.done = [...done];
        saving = saving.then(() => writeState(sidecar, state));
        followPrefix();
      });
    }
    await pool.drain();
    followPrefix();
    await hashing;
  } finally {
    await saving.catch(() => undefined);
    await hashing.catch(() => undefined);
    await handle.close();
  }
  if (hashedChunks !== count) throw new TrancheProtocolError(`download of file ${file.id}: ${count - hashedChunks} of ${count} chunks missing at the end`);
  return { sha1: hash.digest('hex'), resumedBytes };
}

/** The content into `sink` (stdout): hashed on the way, size and sha1 checked at the end. */
export async function streamDownload(fileId: string, sink: Writable, options: DownloadOptions): Promise<DownloadResult> {
  const opts = withNodeDefaults(options);
  const file = options.file ?? (await getFile(fileId, opts));
  const { response } = await openDownload(file.id, { ...opts, file });
  const hash = createHash('sha1');
  const meter = hashingMeter(hash, 0, file.size, options.onProgress);
  await pipeline(response.body, meter, sink, { signal: opts.signal, end: false });
  const sha1 = hash.digest('hex');
  const bytes = meter.bytes;
  if (bytes !== file.size || sha1 !== file.sha1.toLowerCase()) {
    throw new IntegrityError(`download of file ${file.id} (${bytes} bytes, expected ${file.size})`, file.sha1, sha1);
  }
  return { path: '-', file, bytes, sha1, resumedBytes: 0 };
}

/** A pass-through that hashes what flows and reports the running byte count (`bytes` counts from `start`). */
function hashingMeter(hash: Hash, start: number, totalBytes: number, onProgress: DownloadOptions['onProgress']): Transform & { bytes: number } {
  const meter = Object.assign(new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      meter.bytes += chunk.byteLength;
      onProgress?.({ bytes: meter.bytes, totalBytes });
      callback(null, chunk);
    },
  }), { bytes: start });
  return meter;
}

async function readState(file: string): Promise<PartState | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as PartState;
    return typeof value?.file_id === 'string' && typeof value.sha1 === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The state replaced whole: written to `<name>.part.jnew` (made anew, O_EXCL), then renamed. The suffixes a
 * download adds are at most 10 bytes (`.part.json`, `.part.jnew`): local-name.ts leaves room for them.
 */
async function writeState(file: string, state: PartState): Promise<void> {
  const temp = file.replace(/\.json$/, '.jnew');
  await rm(temp, { force: true });
  await writeFile(temp, JSON.stringify(state), { flag: 'wx' });
  await rename(temp, file);
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** The `.part` made anew: whatever had its name removed (a link itself, not its target), then O_EXCL. */
async function freshPart(temp: string): Promise<void> {
  await rm(temp, { force: true });
  await (await open(temp, 'wx')).close();
}

/** The existing `.part`, for writing, never through a link. */
function openPart(temp: string): ReturnType<typeof open> {
  return open(temp, constants.O_RDWR | O_NOFOLLOW);
}

/** `name` (one safe path segment) in the output directory, or the output file itself. */
async function outputPath(output: string | undefined, name: string): Promise<string> {
  if (!output) return path.resolve(name);
  const isDir = await stat(output).then((s) => s.isDirectory(), () => false);
  return isDir || output.endsWith(path.sep) ? path.resolve(output, name) : path.resolve(output);
}
