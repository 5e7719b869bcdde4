/**
 * On-disk layout of the part spool: one directory per upload, one file per part named by its decimal offset (its
 * size is the file's size). Files appear by rename only once complete, so a listing never shows a partial part;
 * temporary files carry a suffix that listings skip. Everything lives on disk so that another thread or process
 * reading the same directory sees the same parts.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { UploadTarget } from '../blob-store.js';

export interface SpooledPart {
  offset: number;
  size: number;
  file: string;
}

const PART_NAME = /^(0|[1-9][0-9]{0,15})$/;
export const TEMP_SUFFIX = '.tmp';

/** `<key with "/" as "_", at most 80 chars>-<32 hex of SHA-256(key, uploadId)>`: readable, path-safe, bounded. */
export function uploadDirName(target: UploadTarget): string {
  const digest = createHash('sha256').update(target.key).update('\0').update(target.uploadId ?? '').digest('hex').slice(0, 32);
  const readable = target.key.replace(/[^A-Za-z0-9_-]/g, '_').slice(-80);
  return `${readable}-${digest}`;
}

export function partFileName(offset: number): string {
  return String(offset);
}

/** The complete parts in a spool directory, by offset; none when the directory does not exist. */
export async function listParts(dir: string): Promise<SpooledPart[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isAbsent(error)) return [];
    throw error;
  }
  const parts = await Promise.all(
    names.filter((name) => PART_NAME.test(name)).map(async (name): Promise<SpooledPart | undefined> => {
      const file = path.join(dir, name);
      try {
        return { offset: Number(name), size: (await stat(file)).size, file };
      } catch (error) {
        if (isAbsent(error)) return undefined; // discarded meanwhile
        throw error;
      }
    }),
  );
  return parts.filter((part): part is SpooledPart => part !== undefined).sort((a, b) => a.offset - b.offset);
}

/**
 * The parts that cover [start, end) without a gap, in order, and how far from `start` they reach (at most `end`).
 * A part may begin before `start`; where parts overlap, the one reaching furthest is taken.
 */
export function contiguousRun(parts: SpooledPart[], start: number, end: number): { run: SpooledPart[]; reach: number } {
  const run: SpooledPart[] = [];
  let reach = start;
  let next = 0;
  while (reach < end) {
    // Parts are sorted by offset and reach only grows, so each part is looked at once.
    let best: SpooledPart | undefined;
    for (; next < parts.length && parts[next]!.offset <= reach; next++) {
      const part = parts[next]!;
      if (part.offset + part.size > reach && (!best || part.offset + part.size > best.offset + best.size)) best = part;
    }
    if (!best) break;
    run.push(best);
    reach = best.offset + best.size;
  }
  return { run, reach: Math.min(reach, end) };
}

/** The path, or a directory on the way to it, is not there (or is a file where a directory should be). */
export function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
