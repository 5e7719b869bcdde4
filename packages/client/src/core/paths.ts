/**
 * Paths on the server: `/a/b/c` from the root folder (id 0), resolved by listing each folder in turn (every
 * page). An argument of digits only is an id; `file:ID` and `folder:ID` say which kind. `ensureFolderPath` is
 * `mkdir -p`: it creates what is missing, and takes a folder another client created meanwhile (409) as found.
 */
import type { BoxFolder, FileMini, FolderMini } from '@tranche/protocol';
import type { ClientOptions } from './config.js';
import { TrancheApiError } from './errors.js';
import { createFolder, listFolder } from './files.js';
import type { ItemRef } from './items.js';

export type Entry = FileMini | FolderMini;

/** The segments of a server path; `.` and empty segments dropped, `..` refused (no parent links on the wire). */
export function splitPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TypeError(`"..": server paths are absolute from the root folder, got ${JSON.stringify(path)}`);
  return parts;
}

/** `123` → an id of unknown type; `file:123`/`folder:123` → typed; anything else is a path. */
export function parseItemArg(arg: string): { id: string; type?: 'file' | 'folder' } | { path: string } {
  const typed = /^(file|folder):(\d+)$/.exec(arg);
  if (typed) return { id: typed[2]!, type: typed[1] as 'file' | 'folder' };
  if (/^\d+$/.test(arg)) return { id: arg };
  return { path: arg };
}

/** Asked for so that size checks need no extra request where the server honours `fields=`. */
const CACHE_FIELDS = ['type', 'id', 'name', 'size', 'sha1', 'modified_at'];

/** Folder listings, each fetched at most once per cache (a command's lifetime). */
export class FolderCache {
  private readonly listings = new Map<string, Promise<Map<string, Entry>>>();

  constructor(private readonly options: ClientOptions) {}

  entries(folderId: string): Promise<Map<string, Entry>> {
    let listing = this.listings.get(folderId);
    if (!listing) {
      listing = listFolder(folderId, { ...this.options, fields: CACHE_FIELDS }).then((items) => new Map(items.map((item) => [item.name, item])));
      listing.catch(() => this.listings.delete(folderId));
      this.listings.set(folderId, listing);
    }
    return listing;
  }

  /** Records an item this command created, so later lookups see it without listing again. */
  async add(folderId: string, item: Entry): Promise<void> {
    const listing = this.listings.get(folderId);
    if (listing) (await listing).set(item.name, item);
  }

  forget(folderId: string): void {
    this.listings.delete(folderId);
  }
}

export class PathNotFoundError extends Error {
  constructor(
    readonly path: string,
    readonly missing: string,
  ) {
    super(`${path}: not found (no "${missing}")`);
    this.name = 'PathNotFoundError';
  }
}

/** The item at `path` (the root folder for `/`). */
export async function resolvePath(path: string, options: ClientOptions, cache = new FolderCache(options)): Promise<ItemRef & { name: string }> {
  let current: ItemRef & { name: string } = { type: 'folder', id: '0', name: '' };
  for (const segment of splitPath(path)) {
    if (current.type !== 'folder') throw new PathNotFoundError(path, segment);
    const found = (await cache.entries(current.id)).get(segment);
    if (!found) throw new PathNotFoundError(path, segment);
    current = { type: found.type, id: found.id, name: found.name };
  }
  return current;
}

/** The folder at `path`, created with its missing parents. Answers the folder's id. */
export async function ensureFolderPath(path: string, options: ClientOptions, cache = new FolderCache(options)): Promise<string> {
  let folderId = '0';
  for (const segment of splitPath(path)) folderId = await ensureChildFolder(folderId, segment, options, cache);
  return folderId;
}

/** The child folder `name` of `parentId`, created if missing. */
export async function ensureChildFolder(parentId: string, name: string, options: ClientOptions, cache: FolderCache): Promise<string> {
  const existing = (await cache.entries(parentId)).get(name);
  if (existing) {
    if (existing.type !== 'folder') throw new TypeError(`"${name}" exists in folder ${parentId} and is a file`);
    return existing.id;
  }
  let folder: BoxFolder | FolderMini;
  try {
    folder = await createFolder(name, parentId, options);
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict?.type !== 'folder') throw error;
    folder = conflict as FolderMini;
  }
  await cache.add(parentId, { type: 'folder', id: folder.id, name, sequence_id: null, etag: null });
  return folder.id;
}

/** The item a 409 item_name_in_use names in `context_info.conflicts`. */
export function conflictOf(error: unknown): { type: string; id: string; sha1?: string } | undefined {
  if (!(error instanceof TrancheApiError) || error.code !== 'item_name_in_use') return undefined;
  const raw = error.contextInfo?.['conflicts'];
  const item = (Array.isArray(raw) ? raw[0] : raw) as { type?: string; id?: string; sha1?: string } | undefined;
  return item && typeof item.id === 'string' && typeof item.type === 'string' ? (item as { type: string; id: string }) : undefined;
}
