/**
 * What to do when the target name is taken in the destination folder: skip an identical file
 * (--skip-existing: same size and sha1), send a new version (--overwrite, as Box clients do), send under a free
 * name `stem (n).ext` (--keep-both), or fail that file with a conflict.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ClientOptions, Entry } from '@tranche/client';

export interface ClashFlags {
  skipExisting?: boolean | undefined;
  overwrite?: boolean | undefined;
  keepBoth?: boolean | undefined;
}

export type Plan = { kind: 'new'; name: string } | { kind: 'version'; fileId: string } | { kind: 'skip'; fileId: string; sha1: string } | { kind: 'conflict'; reason: string };

export async function planUpload(
  local: { path: string; size: number },
  name: string,
  entries: Map<string, Entry>,
  flags: ClashFlags,
  _options: ClientOptions,
): Promise<Plan> {
  const existing = entries.get(name);
  if (!existing) return { kind: 'new', name };
  if (existing.type === 'file' && flags.skipExisting) {
    // The size comes with the listing where the server honours `fields=` (Box does); a listing in the mini form
    // has only the sha1, which is then the whole test (a sha1 covers the length: no extra GET per file).
    const listed = (existing as unknown as { size?: unknown }).size;
    if ((typeof listed !== 'number' || listed === local.size) && (await sha1File(local.path)) === existing.sha1.toLowerCase()) {
      return { kind: 'skip', fileId: existing.id, sha1: existing.sha1 };
    }
  }
  if (existing.type === 'file' && flags.overwrite) return { kind: 'version', fileId: existing.id };
  if (flags.keepBoth) return { kind: 'new', name: freeName(name, entries) };
  const what = existing.type === 'folder' ? 'a folder' : 'a file';
  const hint = existing.type === 'folder' ? '--keep-both' : '--skip-existing, --overwrite or --keep-both';
  return { kind: 'conflict', reason: `"${name}" exists as ${what} (id ${existing.id}); use ${hint}` };
}

/** `a.txt` → `a (1).txt`, `a (2).txt`, … the first name not in the folder. */
export function freeName(name: string, entries: Map<string, Entry>): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!entries.has(candidate)) return candidate;
  }
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  await pipeline(createReadStream(file), async function* (source) {
    for await (const chunk of source) hash.update(chunk as Buffer);
  });
  return hash.digest('hex');
}
