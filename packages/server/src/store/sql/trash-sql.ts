/**
 * The trash: delete (to the trash), restore, purge, the retention sweep and the trash listing. A folder goes to
 * the trash with everything live below it in one transaction; a purge removes a whole subtree and its versions,
 * lowering blob reference counts, in one transaction.
 */
import type { FileRecord, Freed, ItemRecord, KeysetPage, ListMarker, WriteResult } from '../metadata-store.js';
import { deleteItemsForGood, dropVersionRefs } from './blob-refs-sql.js';
import { fromJoined, withVersion } from './items-sql.js';
import { nameKey, toItem } from './rows.js';
import { checkParent, chunks, descendants, findLiveChild, lockItem, lockOwnerTree, rerunOnNameRace, type SqlContext } from './sql-context.js';

export class TrashSql {
  constructor(private readonly sqlCtx: SqlContext) {}

  trashItem(ownerId: string, id: string, options: { recursive: boolean; ifMatchEtag?: number; now: Date }): Promise<WriteResult<ItemRecord>> {
    const { db, traits } = this.sqlCtx;
    return db.transaction().execute(async (trx): Promise<WriteResult<ItemRecord>> => {
      await lockOwnerTree(trx, traits, ownerId);
      const item = await lockItem(trx, traits, ownerId, id);
      if (!item || item.trashed_at !== null) return { ok: false, conflict: { kind: options.ifMatchEtag === undefined ? 'item_missing' : 'etag_mismatch' } };
      if (options.ifMatchEtag !== undefined && Number(item.etag) !== options.ifMatchEtag) return { ok: false, conflict: { kind: 'etag_mismatch' } };
      const now = options.now.getTime();
      if (item.type === 'folder') {
        const below = await descendants(trx, ownerId, Number(item.id), 'live');
        if (below.length > 0 && !options.recursive) return { ok: false, conflict: { kind: 'folder_not_empty' } };
        for (const batch of chunks(below.map((d) => d.id))) {
          await trx.updateTable('items').set({ trashed_at: now, trash_top: 0 }).where('id', 'in', batch).execute();
        }
      }
      const row = await trx
        .updateTable('items')
        .set({ trashed_at: now, trash_top: 1, etag: Number(item.etag) + 1 })
        .where('id', '=', item.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true, value: toItem(row) };
    });
  }

  restoreItem(ownerId: string, id: string, options: { parentId?: string; name?: string; now: Date }): Promise<WriteResult<ItemRecord>> {
    const { db, traits } = this.sqlCtx;
    return rerunOnNameRace(traits, () =>
      db.transaction().execute(async (trx): Promise<WriteResult<ItemRecord>> => {
        await lockOwnerTree(trx, traits, ownerId);
        const item = await lockItem(trx, traits, ownerId, id);
        if (!item || item.trashed_at === null || Number(item.trash_top) !== 1) return { ok: false, conflict: { kind: 'item_missing' } };
        const parentId = options.parentId ?? String(item.parent_id);
        const parentProblem = await checkParent(trx, ownerId, parentId);
        if (parentProblem) return parentProblem;
        const name = options.name ?? item.name;
        const existing = await findLiveChild(trx, ownerId, parentId, name);
        if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } };
        if (item.type === 'folder') {
          const below = await descendants(trx, ownerId, Number(item.id), 'trashed-with');
          for (const batch of chunks(below.map((d) => d.id))) {
            await trx.updateTable('items').set({ trashed_at: null, trash_top: 0 }).where('id', 'in', batch).execute();
          }
        }
        const row = await trx
          .updateTable('items')
          .set({
            trashed_at: null,
            trash_top: 0,
            parent_id: Number(parentId),
            name,
            name_key: nameKey(name),
            etag: Number(item.etag) + 1,
            modified_at: options.now.getTime(),
          })
          .where('id', '=', item.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { ok: true, value: toItem(row) };
      }),
    );
  }

  purgeItem(ownerId: string, id: string, now = new Date()): Promise<WriteResult<Freed>> {
    const { db, traits } = this.sqlCtx;
    return db.transaction().execute(async (trx): Promise<WriteResult<Freed>> => {
      await lockOwnerTree(trx, traits, ownerId);
      const item = await lockItem(trx, traits, ownerId, id);
      if (!item || item.trashed_at === null || Number(item.trash_top) !== 1) return { ok: false, conflict: { kind: 'item_missing' } };
      // What went to the trash with it; items deleted on their own before stay separate trash entries (they are
      // listed, restorable with a parent and purged on their own), so purging the folder never removes what a
      // client still sees in the trash listing.
      const below = item.type === 'folder' ? await descendants(trx, ownerId, Number(item.id), 'trashed-with') : [];
      const blobKeys = await deleteItemsForGood(trx, [Number(item.id), ...below.map((d) => d.id)], now);
      return { ok: true, value: { blobKeys } };
    });
  }

  async purgeExpiredTrash(before: Date, limit: number): Promise<{ purged: number; freed: Freed }> {
    const { db } = this.sqlCtx;
    const blobKeys: string[] = [];
    let purged = 0;
    const items = await db
      .selectFrom('items')
      .select(['id', 'owner_id'])
      .where('trash_top', '=', 1)
      .where('trashed_at', '<', before.getTime())
      .orderBy('trashed_at')
      .limit(limit)
      .execute();
    for (const item of items) {
      const result = await this.purgeItem(String(item.owner_id), String(item.id));
      if (result.ok) {
        purged++;
        blobKeys.push(...result.value.blobKeys);
      }
    }
    const versions = await db
      .selectFrom('versions')
      .select('id')
      .where('trashed_at', '<', before.getTime())
      .orderBy('trashed_at')
      .limit(limit)
      .execute();
    for (const version of versions) {
      const freed = await db.transaction().execute(async (trx) => {
        // Still trashed (a promote or restore may have come first)?
        const row = await trx.selectFrom('versions').select('id').where('id', '=', version.id).where('trashed_at', 'is not', null).executeTakeFirst();
        if (!row) return [];
        const keys = await dropVersionRefs(trx, [Number(version.id)], new Date());
        await trx.deleteFrom('versions').where('id', '=', version.id).execute();
        return keys;
      });
      purged++;
      blobKeys.push(...freed);
    }
    return { purged, freed: { blobKeys } };
  }

  /** Trash entries by type (folders first), name key and id; offset or keyset. */
  async listTrash(ownerId: string, after: ListMarker | null, offset: number, limit: number): Promise<KeysetPage<ItemRecord | FileRecord> & { total: number }> {
    const { db } = this.sqlCtx;
    const base = db.selectFrom('items').where('owner_id', '=', Number(ownerId)).where('trash_top', '=', 1);
    const { count } = await base.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    const entries: Array<ItemRecord | FileRecord> = [];
    // One more than the page, to know whether another follows; offset paging reads the skipped entries too.
    const need = limit + 1 + (after ? 0 : offset);
    for (const type of ['folder', 'file'] as const) {
      if (entries.length >= need) break;
      if (after && after.type === 'file' && type === 'folder') continue;
      let query = withVersion(db).where('items.owner_id', '=', Number(ownerId)).where('items.trash_top', '=', 1).where('items.type', '=', type);
      if (after && after.type === type) {
        const afterId = Number(after.id ?? 0);
        query = query.where((eb) =>
          eb.or([eb('items.name_key', '>', after.nameKey), eb.and([eb('items.name_key', '=', after.nameKey), eb('items.id', '>', afterId)])]),
        );
      }
      const rows = await query.orderBy('items.name_key').orderBy('items.id').limit(need - entries.length).execute();
      entries.push(...rows.map(fromJoined));
    }
    const window = after ? entries : entries.slice(offset);
    const page = window.slice(0, limit);
    const last = page[page.length - 1];
    return { total: Number(count), entries: page, next: window.length > limit && last ? { type: last.type, nameKey: nameKey(last.name), id: last.id } : null };
  }
}

