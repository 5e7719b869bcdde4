/**
 * Copies of files and folder trees: new items and version rows that name the same blobs (no byte is copied; the
 * blobs' reference counts rise in the same transaction). A folder tree is copied in one transaction, bounded by
 * `maxItems`.
 */
import type { CopyTarget, ItemRecord, WriteResult } from '../metadata-store.js';
import { BlobGoneError, shareBlobRef } from './blob-refs-sql.js';
import { isWithin } from './item-updates-sql.js';
import { nameKey, toItem } from './rows.js';
import type { ItemsTable } from './schema.js';
import { checkParent, chunks, descendants, findLiveChild, lockItem, lockOwnerTree, rerunOnNameRace, type Db, type SqlContext } from './sql-context.js';
import type { Selectable } from 'kysely';

export function copyItem(
  sqlCtx: SqlContext,
  ownerId: string,
  id: string,
  target: CopyTarget,
): Promise<WriteResult<ItemRecord>> {
  const { db, traits } = sqlCtx;
  return rerunOnNameRace(traits, async () => {
    try {
      return await db.transaction().execute(async (trx): Promise<WriteResult<ItemRecord>> => {
        await lockOwnerTree(trx, traits, ownerId);
        const item = await lockItem(trx, traits, ownerId, id);
        if (!item || item.trashed_at !== null) return { ok: false, conflict: { kind: 'item_missing' } };
        const parentProblem = await checkParent(trx, ownerId, target.parentId);
        if (parentProblem) return parentProblem;
        if (item.type === 'folder' && (await isWithin(trx, ownerId, target.parentId, id))) return { ok: false, conflict: { kind: 'cycle' } };
        const name = target.name ?? item.name;
        const existing = await findLiveChild(trx, ownerId, target.parentId, name);
        if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } };
        const below = item.type === 'folder' ? await descendants(trx, ownerId, Number(item.id), 'live') : [];
        if (below.length + 1 > target.maxItems) return { ok: false, conflict: { kind: 'too_many_items', limit: target.maxItems } };

        const shared = new Map<string, number>();
        const bytes = { total: 0 };
        const now = target.now.getTime();
        const rootCopy = await copyOne(trx, item, Number(target.parentId), name, now, shared, bytes);
        const newIds = new Map<number, number>([[Number(item.id), rootCopy]]);
        // Breadth first: every parent is copied before its children.
        for (const batch of chunks(below)) {
          const rows = await trx.selectFrom('items').selectAll().where('id', 'in', batch.map((d) => d.id)).execute();
          const byId = new Map(rows.map((r) => [Number(r.id), r]));
          for (const entry of batch) {
            const row = byId.get(entry.id)!;
            newIds.set(entry.id, await copyOne(trx, row, newIds.get(entry.parent_id)!, row.name, now, shared, bytes));
          }
        }
        if (target.maxBytes !== null && bytes.total > target.maxBytes) throw new OverQuota();
        for (const [blobKey, count] of [...shared].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) await shareBlobRef(trx, blobKey, count);
        const row = await trx.selectFrom('items').selectAll().where('id', '=', rootCopy).executeTakeFirstOrThrow();
        return { ok: true, value: toItem(row) };
      });
    } catch (error) {
      if (error instanceof BlobGoneError) return { ok: false, conflict: { kind: 'item_missing' } };
      if (error instanceof OverQuota) return { ok: false, conflict: { kind: 'storage_limit' } };
      throw error;
    }
  });
}

/** Inserts a copy of one item (and of a file's current version) under `parentId`; returns the new id. */
async function copyOne(trx: Db, item: Selectable<ItemsTable>, parentId: number, name: string, now: number, shared: Map<string, number>, bytes: { total: number }): Promise<number> {
  const created = await trx
    .insertInto('items')
    .values({
      type: item.type,
      owner_id: item.owner_id,
      parent_id: parentId,
      name,
      name_key: nameKey(name),
      description: item.description,
      etag: 0,
      created_at: now,
      modified_at: now,
      content_created_at: item.content_created_at,
      content_modified_at: item.content_modified_at,
      version_id: null,
      trashed_at: null,
      trash_top: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (item.type === 'file' && item.version_id !== null) {
    const version = await trx.selectFrom('versions').selectAll().where('id', '=', item.version_id).executeTakeFirstOrThrow();
    const copy = await trx
      .insertInto('versions')
      .values({ file_id: created.id, sha1: version.sha1, size: version.size, blob_key: version.blob_key, created_at: now, trashed_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('items').set({ version_id: copy.id }).where('id', '=', created.id).execute();
    shared.set(version.blob_key, (shared.get(version.blob_key) ?? 0) + 1);
    bytes.total += Number(version.size);
  }
  return Number(created.id);
}

/** Thrown inside the copy's transaction to roll it back when the copy would pass the quota. */
class OverQuota extends Error {}
