/** Version history: list past versions, promote one (a new current version sharing its blob), trash one. */
import type { FileRecord, ListPage, VersionRecord, WriteResult } from '../metadata-store.js';
import { BlobGoneError, shareBlobRef } from './blob-refs-sql.js';
import { toVersion } from './rows.js';
import { lockItem, readFile, type SqlContext } from './sql-context.js';

export class VersionsSql {
  constructor(private readonly sqlCtx: SqlContext) {}

  async listVersions(fileId: string, offset: number, limit: number): Promise<ListPage<VersionRecord> & { currentNumber: number }> {
    const { db } = this.sqlCtx;
    const item = await db.selectFrom('items').select('version_id').where('id', '=', Number(fileId)).executeTakeFirst();
    const current = Number(item?.version_id ?? 0);
    const base = db.selectFrom('versions').where('file_id', '=', Number(fileId));
    const { count } = await base.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().where('id', '!=', current).orderBy('id', 'desc').limit(limit).offset(offset).execute();
    return { total: Math.max(0, Number(count) - 1), entries: rows.map(toVersion), currentNumber: Number(count) };
  }

  async versionNumber(fileId: string, versionId: string): Promise<number> {
    const { count } = await this.sqlCtx.db
      .selectFrom('versions')
      .where('file_id', '=', Number(fileId))
      .where('id', '<=', Number(versionId))
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async promoteVersion(ownerId: string, fileId: string, versionId: string, now: Date): Promise<WriteResult<FileRecord>> {
    const { db, traits } = this.sqlCtx;
    try {
      return await db.transaction().execute(async (trx): Promise<WriteResult<FileRecord>> => {
        const item = await lockItem(trx, traits, ownerId, fileId);
        if (!item || item.type !== 'file' || item.trashed_at !== null) return { ok: false, conflict: { kind: 'file_missing' } };
        const version = await trx.selectFrom('versions').selectAll().where('id', '=', Number(versionId)).where('file_id', '=', item.id).executeTakeFirst();
        if (!version || version.trashed_at !== null) return { ok: false, conflict: { kind: 'version_missing' } };
        if (Number(version.id) === Number(item.version_id)) return { ok: false, conflict: { kind: 'version_current' } };
        const copy = await trx
          .insertInto('versions')
          .values({ file_id: item.id, sha1: version.sha1, size: version.size, blob_key: version.blob_key, created_at: now.getTime(), trashed_at: null })
          .returning('id')
          .executeTakeFirstOrThrow();
        await shareBlobRef(trx, version.blob_key, 1);
        await trx
          .updateTable('items')
          .set({ version_id: copy.id, etag: Number(item.etag) + 1, modified_at: now.getTime() })
          .where('id', '=', item.id)
          .execute();
        return { ok: true, value: (await readFile(trx, ownerId, fileId))! };
      });
    } catch (error) {
      if (error instanceof BlobGoneError) return { ok: false, conflict: { kind: 'version_missing' } };
      throw error;
    }
  }

  trashVersion(ownerId: string, fileId: string, versionId: string, now: Date): Promise<WriteResult<VersionRecord>> {
    const { db, traits } = this.sqlCtx;
    return db.transaction().execute(async (trx): Promise<WriteResult<VersionRecord>> => {
      const item = await lockItem(trx, traits, ownerId, fileId);
      if (!item || item.type !== 'file' || item.trashed_at !== null) return { ok: false, conflict: { kind: 'file_missing' } };
      const version = await trx.selectFrom('versions').selectAll().where('id', '=', Number(versionId)).where('file_id', '=', item.id).executeTakeFirst();
      if (!version || version.trashed_at !== null) return { ok: false, conflict: { kind: 'version_missing' } };
      if (Number(version.id) === Number(item.version_id)) return { ok: false, conflict: { kind: 'version_current' } };
      const row = await trx.updateTable('versions').set({ trashed_at: now.getTime() }).where('id', '=', version.id).returningAll().executeTakeFirstOrThrow();
      return { ok: true, value: toVersion(row) };
    });
  }
}
