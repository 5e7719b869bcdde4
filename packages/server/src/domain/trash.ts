/**
 * Delete (to the trash), the trash listing, trashed items, restore and purge. A trashed item keeps its bytes (and
 * counts in space_used) until it is purged, by request or by the janitor once the retention has passed.
 */
import { BoxError, invalidParameter, ITEM_ID_PATTERN, type ItemsPage } from '@tranche/protocol';
import type { FileRecord, ItemRecord, ItemType, UserRecord } from '../store/metadata-store.js';
import type { BlobGarbage } from './blob-garbage.js';
import type { DomainContext } from './context.js';
import { parseFields } from './field-selection.js';
import type { AncestorCache, FileViews } from './file-views.js';
import type { Folders } from './folders.js';
import { conflictError } from './item-checks.js';
import { MAX_OFFSET } from './limits.js';
import { encodeMarker, parsePaging, type PagingQuery } from './paging.js';
import { ifMatchEtag } from './preconditions.js';
import { readRestoreBody } from './bodies.js';

export class Trash {
  constructor(
    private readonly ctx: DomainContext,
    private readonly views: FileViews,
    private readonly folders: Folders,
    private readonly garbage: BlobGarbage,
  ) {}

  /** DELETE /files/{id}, DELETE /folders/{id}?recursive= */
  async delete(user: UserRecord, type: ItemType, id: string, options: { recursive?: string; ifMatch?: string }): Promise<void> {
    if (type === 'folder' && id === '0') throw new BoxError('access_denied_insufficient_permissions', 'The root folder cannot be deleted');
    const etag = ifMatchEtag(options.ifMatch);
    const item = await this.find(user, type, id);
    if (!item || item.trashedAt) {
      if (etag !== undefined) throw new BoxError('precondition_failed');
      throw new BoxError(item ? 'trashed' : 'not_found', `${label(type)} not found`);
    }
    if (options.recursive !== undefined && options.recursive !== 'true' && options.recursive !== 'false') {
      throw invalidParameter('bad_request', 'recursive', 'recursive must be true or false');
    }
    const result = await this.ctx.meta.trashItem(user.id, id, { recursive: options.recursive === 'true', ifMatchEtag: etag, now: this.ctx.now() });
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict);
  }

  /** GET /files/{id}/trash, GET /folders/{id}/trash */
  async get(user: UserRecord, type: ItemType, id: string, fields?: string): Promise<Record<string, unknown>> {
    const item = await this.trashed(user, type, id);
    return this.render(user, item, parseFields(fields), new Map());
  }

  /** POST /files/{id}, POST /folders/{id}: restore into the old folder or `parent.id`, optionally as `name`. */
  async restore(user: UserRecord, type: ItemType, id: string, body: unknown, fields?: string): Promise<Record<string, unknown>> {
    const { name, parentId } = readRestoreBody(body);
    await this.trashed(user, type, id, true);
    const result = await this.ctx.meta.restoreItem(user.id, id, { parentId, name, now: this.ctx.now() });
    if (!result.ok) {
      if (result.conflict.kind === 'parent_missing' && parentId === undefined) {
        throw new BoxError('not_found', 'The folder this item was deleted from is gone or in the trash; restore it with parent.id');
      }
      throw await conflictError(this.ctx, user, result.conflict, type === 'folder');
    }
    return this.render(user, (await this.find(user, type, id)) ?? result.value, parseFields(fields), new Map());
  }

  /** DELETE /files/{id}/trash, DELETE /folders/{id}/trash: gone for good, bytes freed when no version names them. */
  async purge(user: UserRecord, type: ItemType, id: string): Promise<void> {
    await this.trashed(user, type, id, true);
    const result = await this.ctx.meta.purgeItem(user.id, id);
    if (!result.ok) throw await conflictError(this.ctx, user, result.conflict);
    await this.garbage.free(result.value.blobKeys);
  }

  /** GET /folders/trash/items */
  async list(user: UserRecord, query: PagingQuery & { fields?: string; sort?: string; direction?: string }): Promise<ItemsPage> {
    const paging = parsePaging(query, 100, MAX_OFFSET);
    const fields = parseFields(query.fields);
    const cache: AncestorCache = new Map();
    const after = paging.kind === 'marker' ? paging.after : null;
    const offset = paging.kind === 'offset' ? paging.offset : 0;
    const page = await this.ctx.meta.listTrash(user.id, after, offset, paging.limit);
    const entries = await Promise.all(page.entries.map((item) => (fields ? this.render(user, item, fields, cache) : this.views.entry(user, item, undefined, cache))));
    if (paging.kind === 'marker') return { entries, limit: paging.limit, next_marker: encodeMarker(page.next), prev_marker: null };
    return { total_count: page.total, entries, offset, limit: paging.limit, order: [{ by: 'name', direction: 'ASC' }] };
  }

  /** Purges what has been in the trash longer than the retention; returns how many items and versions went. */
  async purgeExpired(batch: number): Promise<number> {
    const before = new Date(this.ctx.now().getTime() - this.ctx.policy.trashRetentionMs);
    const { purged, freed } = await this.ctx.meta.purgeExpiredTrash(before, batch);
    await this.garbage.free(freed.blobKeys);
    return purged;
  }

  private async find(user: UserRecord, type: ItemType, id: string): Promise<ItemRecord | FileRecord | undefined> {
    if (!ITEM_ID_PATTERN.test(id)) return undefined;
    const item = type === 'file' ? await this.ctx.meta.getFile(user.id, id) : await this.ctx.meta.getItem(user.id, id);
    return item?.type === type ? item : undefined;
  }

  /** The item, which must be in the trash (and, for restore and purge, deleted itself rather than with a folder). */
  private async trashed(user: UserRecord, type: ItemType, id: string, top = false): Promise<ItemRecord | FileRecord> {
    const item = await this.find(user, type, id);
    if (!item || !item.trashedAt) throw new BoxError('not_found', `${label(type)} is not in the trash`);
    if (top && !item.trashTop) throw new BoxError('not_found', `${label(type)} went to the trash with a folder above it; restore or purge that folder`);
    return item;
  }

  private async render(user: UserRecord, item: ItemRecord | FileRecord, fields: ReturnType<typeof parseFields>, cache: AncestorCache): Promise<Record<string, unknown>> {
    if (item.type === 'file' && 'version' in item) return this.views.file(user, item, fields, cache);
    return this.views.folder(user, item, async () => ({ entries: [], limit: 0 }), fields ?? new Set(FOLDER_FIELDS), cache);
  }
}

/** A trashed folder's default fields: the full set without item_collection (its children are in the trash too). */
const FOLDER_FIELDS = ['type', 'id', 'sequence_id', 'etag', 'name', 'created_at', 'modified_at', 'description', 'size', 'path_collection', 'created_by', 'modified_by', 'trashed_at', 'purged_at', 'content_created_at', 'content_modified_at', 'owned_by', 'shared_link', 'folder_upload_email', 'parent', 'item_status'];

function label(type: ItemType): string {
  return type === 'file' ? 'File' : 'Folder';
}
