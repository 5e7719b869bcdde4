/**
 * Items and their versions: reads, listings, creation of folders, files and new versions. Listings of live
 * children page from the index (owner, parent, type, name_key): a page is a range scan whatever the folder's size.
 */
import { sql } from 'kysely';
import type {
  FileRecord,
  ItemRecord,
  ItemSort,
  KeysetPage,
  ListMarker,
  ListPage,
  NewFile,
  NewVersion,
  VersionRecord,
  WriteResult,
} from '../metadata-store.js';
import { addBlobRef } from './blob-refs-sql.js';
import { nameKey, toFile, toItem, toVersion } from './rows.js';
import { checkParent, findLiveChild, lockItem, readFile, rerunOnNameRace, type Db, type SqlContext } from './sql-context.js';

type Direction = 'ASC' | 'DESC';

/** Item columns plus the current version's, as one row. */
const VERSION_COLUMNS = [
  'versions.id as v_id',
  'versions.sha1 as v_sha1',
  'versions.size as v_size',
  'versions.blob_key as v_blob_key',
  'versions.created_at as v_created_at',
  'versions.file_id as v_file_id',
] as const;

export function withVersion(db: Db) {
  return db.selectFrom('items').leftJoin('versions', 'versions.id', 'items.version_id').selectAll('items').select([...VERSION_COLUMNS]);
}

type JoinedRow = Awaited<ReturnType<ReturnType<typeof withVersion>['execute']>>[number];

export function fromJoined(row: JoinedRow): ItemRecord | FileRecord {
  if (row.type === 'file' && row.v_id !== null) {
    return toFile(row, {
      id: row.v_id,
      file_id: row.v_file_id!,
      sha1: row.v_sha1!,
      size: row.v_size!,
      blob_key: row.v_blob_key!,
      created_at: row.v_created_at!,
      trashed_at: null,
    });
  }
  return toItem(row);
}

export class ItemsSql {
  constructor(private readonly sqlCtx: SqlContext) {}

  private get db() {
    return this.sqlCtx.db;
  }

  async getItem(ownerId: string, id: string): Promise<ItemRecord | undefined> {
    const row = await this.db.selectFrom('items').selectAll().where('id', '=', Number(id)).where('owner_id', '=', Number(ownerId)).executeTakeFirst();
    return row && toItem(row);
  }

  getFile(ownerId: string, id: string): Promise<FileRecord | undefined> {
    return readFile(this.db, ownerId, id);
  }

  async getVersion(fileId: string, versionId: string): Promise<VersionRecord | undefined> {
    const row = await this.db.selectFrom('versions').selectAll().where('id', '=', Number(versionId)).where('file_id', '=', Number(fileId)).executeTakeFirst();
    return row && toVersion(row);
  }

  findChild(ownerId: string, parentId: string, name: string): Promise<ItemRecord | undefined> {
    return findLiveChild(this.db, ownerId, parentId, name);
  }

  async countChildren(ownerId: string, parentId: string, type?: 'file' | 'folder'): Promise<number> {
    let query = this.db
      .selectFrom('items')
      .where('owner_id', '=', Number(ownerId))
      .where('parent_id', '=', Number(parentId))
      .where('trashed_at', 'is', null);
    if (type) query = query.where('type', '=', type);
    const { count } = await query.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Live children of one type by name key, after `afterKey`, skipping `skip`: a range scan of items_live_children. */
  private async childrenOfType(ownerId: string, parentId: string, type: 'file' | 'folder', direction: Direction, afterKey: string | null, skip: number, limit: number) {
    if (limit <= 0) return [];
    let query = withVersion(this.db)
      .where('items.owner_id', '=', Number(ownerId))
      .where('items.parent_id', '=', Number(parentId))
      .where('items.type', '=', type)
      .where('items.trashed_at', 'is', null);
    if (afterKey !== null) query = query.where('items.name_key', direction === 'ASC' ? '>' : '<', afterKey);
    const rows = await query
      .orderBy('items.name_key', direction === 'ASC' ? 'asc' : 'desc')
      .limit(limit)
      .offset(skip)
      .execute();
    return rows.map(fromJoined);
  }

  async listChildrenAfter(ownerId: string, parentId: string, after: ListMarker | null, limit: number): Promise<KeysetPage<ItemRecord | FileRecord>> {
    const entries: Array<ItemRecord | FileRecord> = [];
    // One more than asked, to know whether a next page exists.
    const want = limit + 1;
    if (after === null || after.type === 'folder') {
      entries.push(...(await this.childrenOfType(ownerId, parentId, 'folder', 'ASC', after?.nameKey ?? null, 0, want)));
    }
    const fileAfter = after?.type === 'file' ? after.nameKey : null;
    entries.push(...(await this.childrenOfType(ownerId, parentId, 'file', 'ASC', fileAfter, 0, want - entries.length)));
    const more = entries.length > limit;
    const page = entries.slice(0, limit);
    const last = page[page.length - 1];
    return { entries: page, next: more && last ? { type: last.type, nameKey: nameKey(last.name) } : null };
  }

  async listChildren(
    ownerId: string,
    parentId: string,
    page: { offset: number; limit: number; sort: ItemSort; direction: Direction },
  ): Promise<ListPage<ItemRecord | FileRecord>> {
    if (page.sort === 'name') {
      // Folders first, each type in name order from the index: the offset is split between the two ranges.
      const folders = await this.countChildren(ownerId, parentId, 'folder');
      const files = await this.countChildren(ownerId, parentId, 'file');
      const entries: Array<ItemRecord | FileRecord> = [];
      if (page.offset < folders) {
        entries.push(...(await this.childrenOfType(ownerId, parentId, 'folder', page.direction, null, page.offset, page.limit)));
      }
      const fileSkip = Math.max(0, page.offset - folders);
      entries.push(...(await this.childrenOfType(ownerId, parentId, 'file', page.direction, null, fileSkip, page.limit - entries.length)));
      return { total: folders + files, entries };
    }
    const total = await this.countChildren(ownerId, parentId);
    const direction = page.direction === 'DESC' ? 'desc' : 'asc';
    const column = { id: 'items.id', date: 'items.modified_at', size: 'versions.size' } as const;
    const rows = await withVersion(this.db)
      .where('items.owner_id', '=', Number(ownerId))
      .where('items.parent_id', '=', Number(parentId))
      .where('items.trashed_at', 'is', null)
      // Folders before files, then the requested order, then id for a stable page.
      .orderBy(sql`case when items.type = 'folder' then 0 else 1 end`)
      .orderBy(column[page.sort], direction)
      .orderBy('items.id', direction)
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { total, entries: rows.map(fromJoined) };
  }

  async createFolder(ownerId: string, parentId: string, name: string): Promise<WriteResult<ItemRecord>> {
    return rerunOnNameRace(this.sqlCtx.traits, () =>
      this.db.transaction().execute(async (trx) => {
        const parentProblem = await checkParent(trx, ownerId, parentId);
        if (parentProblem) return parentProblem;
        const existing = await findLiveChild(trx, ownerId, parentId, name);
        if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } } as const;
        const now = Date.now();
        const row = await trx
          .insertInto('items')
          .values({
            type: 'folder',
            owner_id: Number(ownerId),
            parent_id: Number(parentId),
            name,
            name_key: nameKey(name),
            description: '',
            etag: 0,
            created_at: now,
            modified_at: now,
            content_created_at: now,
            content_modified_at: now,
            version_id: null,
            trashed_at: null,
            trash_top: 0,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { ok: true, value: toItem(row) } as const;
      }),
    );
  }

  async insertFile(trx: Db, file: NewFile): Promise<WriteResult<FileRecord>> {
    const parentProblem = await checkParent(trx, file.ownerId, file.parentId);
    if (parentProblem) return parentProblem;
    const existing = await findLiveChild(trx, file.ownerId, file.parentId, file.name);
    if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } };
    const now = Date.now();
    const item = await trx
      .insertInto('items')
      .values({
        type: 'file',
        owner_id: Number(file.ownerId),
        parent_id: Number(file.parentId),
        name: file.name,
        name_key: nameKey(file.name),
        description: file.description,
        etag: 0,
        created_at: now,
        modified_at: now,
        content_created_at: file.contentCreatedAt.getTime(),
        content_modified_at: file.contentModifiedAt.getTime(),
        version_id: null,
        trashed_at: null,
        trash_top: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const version = await trx
      .insertInto('versions')
      .values({ file_id: item.id, sha1: file.sha1, size: file.size, blob_key: file.blobKey, created_at: now, trashed_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await addBlobRef(trx, file.blobKey);
    await trx.updateTable('items').set({ version_id: version.id }).where('id', '=', item.id).execute();
    return { ok: true, value: (await readFile(trx, file.ownerId, String(item.id)))! };
  }

  async insertVersion(trx: Db, next: NewVersion): Promise<WriteResult<FileRecord>> {
    const item = await lockItem(trx, this.sqlCtx.traits, next.ownerId, next.fileId);
    if (!item || item.type !== 'file' || item.trashed_at !== null) {
      return { ok: false, conflict: { kind: next.ifMatchEtag === undefined ? 'file_missing' : 'etag_mismatch' } };
    }
    if (next.ifMatchEtag !== undefined && Number(item.etag) !== next.ifMatchEtag) return { ok: false, conflict: { kind: 'etag_mismatch' } };
    if (next.name !== undefined && nameKey(next.name) !== item.name_key) {
      const existing = await findLiveChild(trx, next.ownerId, String(item.parent_id), next.name);
      if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } };
    }
    const now = Date.now();
    const version = await trx
      .insertInto('versions')
      .values({ file_id: item.id, sha1: next.sha1, size: next.size, blob_key: next.blobKey, created_at: now, trashed_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await addBlobRef(trx, next.blobKey);
    await trx
      .updateTable('items')
      .set({
        version_id: version.id,
        etag: Number(item.etag) + 1,
        modified_at: now,
        content_modified_at: next.contentModifiedAt.getTime(),
        ...(next.name !== undefined ? { name: next.name, name_key: nameKey(next.name) } : {}),
        ...(next.description !== undefined ? { description: next.description } : {}),
      })
      .where('id', '=', item.id)
      .execute();
    return { ok: true, value: (await readFile(trx, next.ownerId, next.fileId))! };
  }
}
