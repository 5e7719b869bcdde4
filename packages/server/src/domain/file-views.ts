/**
 * Builds File and Folder representations, full or cut to `fields`. Ancestors (for path_collection and parent) are
 * read once per folder and shared by every entry of a listing.
 */
import type { BoxFile, BoxFolder, Files, ItemsPage } from '@tranche/protocol';
import type { FileRecord, ItemRecord, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import { select, wants, type Fields } from './field-selection.js';
import { MAX_DEPTH } from './limits.js';
import { fileMini, fileView, folderMini, folderView, trashState } from './views.js';

export { MAX_DEPTH };

/** Ancestor chains by folder id, for one request. */
export type AncestorCache = Map<string, Promise<ItemRecord[]>>;

export class FileViews {
  constructor(private readonly ctx: DomainContext) {}

  /** Folders from the root's first child down to `folderId` itself (empty for the root). */
  async ancestors(user: UserRecord, folderId: string, cache?: AncestorCache): Promise<ItemRecord[]> {
    const cached = cache?.get(folderId);
    if (cached) return cached;
    const walk = (async () => {
      const chain: ItemRecord[] = [];
      let id = folderId;
      while (id !== '0' && chain.length < MAX_DEPTH) {
        const folder = await this.ctx.meta.getItem(user.id, id);
        if (!folder) break;
        chain.unshift(folder);
        id = folder.parentId;
      }
      return chain;
    })();
    cache?.set(folderId, walk);
    return walk;
  }

  private trash(item: ItemRecord) {
    return trashState(item, this.ctx.policy.trashRetentionMs);
  }

  /** Whether a representation needs the ancestors (only for path_collection and parent). */
  private needsAncestors(fields: Fields): boolean {
    return wants(fields, 'path_collection') || wants(fields, 'parent');
  }

  async file(user: UserRecord, file: FileRecord, fields?: Fields, cache?: AncestorCache): Promise<Partial<BoxFile>> {
    const ancestors = this.needsAncestors(fields) ? await this.ancestors(user, file.parentId, cache) : [];
    return select(fileView(file, user, ancestors, this.trash(file)), fields);
  }

  async files(user: UserRecord, file: FileRecord, fields?: Fields): Promise<Files> {
    return { total_count: 1, entries: [(await this.file(user, file, fields)) as BoxFile] };
  }

  /** A folder; `items` is only computed when the answer carries item_collection. */
  async folder(user: UserRecord, folder: ItemRecord | undefined, items: () => Promise<ItemsPage>, fields?: Fields, cache?: AncestorCache): Promise<Partial<BoxFolder>> {
    const ancestors = folder && this.needsAncestors(fields) ? await this.ancestors(user, folder.parentId, cache) : [];
    const collection = wants(fields, 'item_collection') ? await items() : undefined;
    const trash = folder ? this.trash(folder) : undefined;
    return select(folderView(folder, user, ancestors, collection, trash), fields);
  }

  /** An entry of a listing: the mini form without `fields`, the fields asked for otherwise. */
  async entry(user: UserRecord, item: ItemRecord | FileRecord, fields: Fields, cache: AncestorCache): Promise<Record<string, unknown>> {
    if (fields === undefined) return item.type === 'file' && 'version' in item ? { ...fileMini(item) } : { ...folderMini(item) };
    if (item.type === 'file' && 'version' in item) return this.file(user, item, fields, cache);
    return this.folder(user, item, async () => ({ entries: [], limit: 0 }), new Set([...fields].filter((f) => f !== 'item_collection')), cache);
  }
}
