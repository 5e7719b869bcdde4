/** PUT on an item: rename, move, description, content_modified_at; one transaction with its checks. */
import type { ItemChanges, ItemRecord, WriteResult } from '../metadata-store.js';
import { nameKey, toItem } from './rows.js';
import { checkParent, findLiveChild, lockItem, lockOwnerTree, rerunOnNameRace, type Db, type SqlContext } from './sql-context.js';

/** Folders nest at most this deep; also bounds the ancestor walk of the cycle check. */
const MAX_WALK = 10_000;

/** True when `folderId` is `id` or lies below it. */
export async function isWithin(db: Db, ownerId: string, folderId: string, id: string): Promise<boolean> {
  let current = folderId;
  for (let steps = 0; current !== '0' && steps < MAX_WALK; steps++) {
    if (current === id) return true;
    const row = await db.selectFrom('items').select('parent_id').where('id', '=', Number(current)).where('owner_id', '=', Number(ownerId)).executeTakeFirst();
    if (!row) return false;
    current = String(row.parent_id);
  }
  return false;
}

export function updateItem(sqlCtx: SqlContext, ownerId: string, id: string, changes: ItemChanges): Promise<WriteResult<ItemRecord>> {
  return rerunOnNameRace(sqlCtx.traits, () =>
    sqlCtx.db.transaction().execute(async (trx): Promise<WriteResult<ItemRecord>> => {
      if (changes.parentId !== undefined) await lockOwnerTree(trx, sqlCtx.traits, ownerId);
      const item = await lockItem(trx, sqlCtx.traits, ownerId, id);
      if (!item || item.trashed_at !== null) return { ok: false, conflict: { kind: changes.ifMatchEtag === undefined ? 'item_missing' : 'etag_mismatch' } };
      if (changes.ifMatchEtag !== undefined && Number(item.etag) !== changes.ifMatchEtag) return { ok: false, conflict: { kind: 'etag_mismatch' } };
      const parentId = changes.parentId ?? String(item.parent_id);
      const name = changes.name ?? item.name;
      const moved = parentId !== String(item.parent_id);
      if (moved) {
        const parentProblem = await checkParent(trx, ownerId, parentId);
        if (parentProblem) return parentProblem;
        if (item.type === 'folder' && (await isWithin(trx, ownerId, parentId, id))) return { ok: false, conflict: { kind: 'cycle' } };
      }
      if (moved || nameKey(name) !== item.name_key) {
        const existing = await findLiveChild(trx, ownerId, parentId, name);
        if (existing && String(existing.id) !== id) return { ok: false, conflict: { kind: 'name_in_use', existing } };
      }
      const now = Date.now();
      const row = await trx
        .updateTable('items')
        .set({
          parent_id: Number(parentId),
          name,
          name_key: nameKey(name),
          etag: Number(item.etag) + 1,
          modified_at: now,
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.contentModifiedAt !== undefined ? { content_modified_at: changes.contentModifiedAt.getTime() } : {}),
        })
        .where('id', '=', item.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true, value: toItem(row) };
    }),
  );
}
