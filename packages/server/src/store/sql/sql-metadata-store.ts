/**
 * MetadataStore over Kysely, shared by the SQLite and PostgreSQL back ends; what differs lives in
 * DialectTraits and the Exclusion strategy. Each public method is one transaction.
 *
 * On PostgreSQL (READ COMMITTED, several processes) writers of one session serialise on its row (FOR UPDATE), and
 * two transactions creating the same name meet at the unique index: the loser is run again and then sees the
 * winner's item as a name conflict.
 */
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type {
  CommitOutcome,
  FileRecord,
  ItemRecord,
  ItemSort,
  ListPage,
  MetadataStore,
  NewFile,
  NewVersion,
  PartRecord,
  SessionRecord,
  SessionState,
  UserRecord,
  VersionRecord,
  WriteResult,
} from '../metadata-store.js';
import type { DialectTraits } from './dialect-traits.js';
import type { Exclusion } from './exclusion.js';
import { SqlOperations } from './operations-queries.js';
import { fromSession, nameKey, toFile, toItem, toPart, toSession, toUser, toVersion } from './rows.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** sessions.purged: bytes kept; release begun (no commit or part may land any more); bytes gone. */
const PURGE = { live: 0, releasing: 2, released: 1 } as const;

/** Aborted, or active and expired at `now`: the bytes may go. */
function releasable(eb: ExpressionBuilder<Database, 'sessions'>, now: Date) {
  return eb.or([eb('state', '=', 'aborted'), eb.and([eb('state', '=', 'active'), eb('expires_at', '<=', now.getTime())])]);
}

export class SqlMetadataStore implements MetadataStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
    private readonly exclusion: Exclusion,
    /** The migrations the open applied (empty when the schema was current). */
    readonly appliedMigrations: string[] = [],
  ) {}

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** The operator's queries (users, sessions, integrity findings), in operations-queries.ts. */
  operations(): SqlOperations {
    return new SqlOperations(this.db, this.traits);
  }

  // ---- users and tokens

  async ensureUser(name: string): Promise<UserRecord> {
    const existing = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    if (existing) return toUser(existing);
    try {
      const row = await this.db
        .insertInto('users')
        .values({ name, login: `${name}@tranche.local`, created_at: Date.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (error) {
      if (!this.traits.isUniqueViolation(error)) throw error;
      return toUser(await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirstOrThrow());
    }
  }

  async addToken(userId: string, tokenHash: string): Promise<void> {
    await this.db.insertInto('tokens').values({ hash: tokenHash, user_id: Number(userId), created_at: Date.now() }).execute();
  }

  async userByTokenHash(tokenHash: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('users')
      .where('tokens.hash', '=', tokenHash)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
    return row && toUser(row);
  }

  // ---- folders and files

  async getItem(ownerId: string, id: string): Promise<ItemRecord | undefined> {
    const row = await this.db
      .selectFrom('items')
      .selectAll()
      .where('id', '=', Number(id))
      .where('owner_id', '=', Number(ownerId))
      .executeTakeFirst();
    return row && toItem(row);
  }

  async getFile(ownerId: string, id: string, db: Db = this.db): Promise<FileRecord | undefined> {
    const item = await db
      .selectFrom('items')
      .selectAll()
      .where('id', '=', Number(id))
      .where('owner_id', '=', Number(ownerId))
      .where('type', '=', 'file')
      .executeTakeFirst();
    if (!item || item.version_id === null) return undefined;
    const version = await db.selectFrom('versions').selectAll().where('id', '=', item.version_id).executeTakeFirstOrThrow();
    return toFile(item, version);
  }

  async getVersion(fileId: string, versionId: string): Promise<VersionRecord | undefined> {
    const row = await this.db
      .selectFrom('versions')
      .selectAll()
      .where('id', '=', Number(versionId))
      .where('file_id', '=', Number(fileId))
      .executeTakeFirst();
    return row && toVersion(row);
  }

  async findChild(ownerId: string, parentId: string, name: string, db: Db = this.db): Promise<ItemRecord | undefined> {
    const row = await db
      .selectFrom('items')
      .selectAll()
      .where('owner_id', '=', Number(ownerId))
      .where('parent_id', '=', Number(parentId))
      .where('name_key', '=', nameKey(name))
      .executeTakeFirst();
    return row && toItem(row);
  }

  async listChildren(
    ownerId: string,
    parentId: string,
    page: { offset: number; limit: number; sort: ItemSort; direction: 'ASC' | 'DESC' },
  ): Promise<ListPage<ItemRecord | FileRecord>> {
    const base = this.db
      .selectFrom('items')
      .where('items.owner_id', '=', Number(ownerId))
      .where('items.parent_id', '=', Number(parentId));
    const { count } = await base.select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
    const direction = page.direction === 'DESC' ? 'desc' : 'asc';
    const column = { id: 'items.id', name: 'items.name_key', date: 'items.modified_at', size: 'versions.size' } as const;
    const rows = await base
      .leftJoin('versions', 'versions.id', 'items.version_id')
      .selectAll('items')
      .select(['versions.id as v_id', 'versions.sha1 as v_sha1', 'versions.size as v_size', 'versions.blob_key as v_blob_key', 'versions.created_at as v_created_at', 'versions.file_id as v_file_id'])
      // Folders before files, then the requested order, then id for a stable page.
      .orderBy(sql`case when items.type = 'folder' then 0 else 1 end`)
      .orderBy(column[page.sort], direction)
      .orderBy('items.id', direction)
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const entries = rows.map((row) => {
      if (row.type === 'file' && row.v_id !== null) {
        return toFile(row, {
          id: row.v_id,
          file_id: row.v_file_id!,
          sha1: row.v_sha1!,
          size: row.v_size!,
          blob_key: row.v_blob_key!,
          created_at: row.v_created_at!,
        });
      }
      return toItem(row);
    });
    return { total: Number(count), entries };
  }

  async createFolder(ownerId: string, parentId: string, name: string): Promise<WriteResult<ItemRecord>> {
    return this.rerunOnNameRace(() => this.db.transaction().execute(async (trx) => {
      const parentProblem = await this.checkParent(trx, ownerId, parentId);
      if (parentProblem) return parentProblem;
      const existing = await this.findChild(ownerId, parentId, name, trx);
      if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } };
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ok: true, value: toItem(row) } as const;
    }));
  }

  async createFile(file: NewFile): Promise<WriteResult<FileRecord>> {
    return this.rerunOnNameRace(() => this.db.transaction().execute((trx) => this.insertFile(trx, file)));
  }

  async addVersion(version: NewVersion): Promise<WriteResult<FileRecord>> {
    return this.rerunOnNameRace(() => this.db.transaction().execute((trx) => this.insertVersion(trx, version)));
  }

  async storageUsed(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('versions')
      .innerJoin('items', 'items.id', 'versions.file_id')
      .where('items.owner_id', '=', Number(ownerId))
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('versions.size'), sql<number>`0`).as('used'))
      .executeTakeFirstOrThrow();
    return Number(row.used);
  }

  /**
   * Runs `write` again when it lost a race for a name at the unique index (only possible when transactions of
   * several connections overlap, as on PostgreSQL); the next run finds the winner and reports name_in_use.
   */
  private async rerunOnNameRace<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= 3 || !this.traits.isUniqueViolation(error)) throw error;
      }
    }
  }

  private async checkParent(trx: Db, ownerId: string, parentId: string): Promise<{ ok: false; conflict: { kind: 'parent_missing' } } | undefined> {
    if (parentId === '0') return undefined;
    const parent = await trx
      .selectFrom('items')
      .select('id')
      .where('id', '=', Number(parentId))
      .where('owner_id', '=', Number(ownerId))
      .where('type', '=', 'folder')
      .executeTakeFirst();
    return parent ? undefined : { ok: false, conflict: { kind: 'parent_missing' } };
  }

  private async insertFile(trx: Db, file: NewFile): Promise<WriteResult<FileRecord>> {
    const parentProblem = await this.checkParent(trx, file.ownerId, file.parentId);
    if (parentProblem) return parentProblem;
    const existing = await this.findChild(file.ownerId, file.parentId, file.name, trx);
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
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const version = await trx
      .insertInto('versions')
      .values({ file_id: item.id, sha1: file.sha1, size: file.size, blob_key: file.blobKey, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('items').set({ version_id: version.id }).where('id', '=', item.id).execute();
    return { ok: true, value: (await this.getFile(file.ownerId, String(item.id), trx))! };
  }

  private async insertVersion(trx: Db, next: NewVersion): Promise<WriteResult<FileRecord>> {
    let query = trx.selectFrom('items').selectAll().where('id', '=', Number(next.fileId)).where('owner_id', '=', Number(next.ownerId)).where('type', '=', 'file');
    if (this.traits.rowLocks) query = query.forUpdate();
    const item = await query.executeTakeFirst();
    if (!item) return { ok: false, conflict: { kind: next.ifMatchEtag === undefined ? 'file_missing' : 'etag_mismatch' } };
    if (next.ifMatchEtag !== undefined && Number(item.etag) !== next.ifMatchEtag) return { ok: false, conflict: { kind: 'etag_mismatch' } };
    if (next.name !== undefined && nameKey(next.name) !== item.name_key) {
      const existing = await this.findChild(next.ownerId, String(item.parent_id), next.name, trx);
      if (existing) return { ok: false, conflict: { kind: 'name_in_use', existing } };
    }
    const now = Date.now();
    const version = await trx
      .insertInto('versions')
      .values({ file_id: item.id, sha1: next.sha1, size: next.size, blob_key: next.blobKey, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
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
    return { ok: true, value: (await this.getFile(next.ownerId, next.fileId, trx))! };
  }

  // ---- upload sessions

  async createSession(session: SessionRecord): Promise<void> {
    await this.db.insertInto('sessions').values(this.bytesForDb(fromSession(session))).execute();
  }

  async getSession(id: string, db: Db = this.db): Promise<SessionRecord | undefined> {
    const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  async insertPart(part: PartRecord): Promise<{ inserted: boolean; part: PartRecord } | { inserted: false; sessionState: SessionState | 'missing' }> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('sessions').select(['state', 'purged']).where('id', '=', part.sessionId);
      if (this.traits.rowLocks) query = query.forUpdate();
      const session = await query.executeTakeFirst();
      if (!session) return { inserted: false, sessionState: 'missing' as const };
      if (session.state !== 'active' || Number(session.purged) !== 0) return { inserted: false, sessionState: session.state };
      const existing = await trx
        .selectFrom('parts')
        .selectAll()
        .where('session_id', '=', part.sessionId)
        .where('offset', '=', part.offset)
        .executeTakeFirst();
      if (existing) return { inserted: false, part: toPart(existing) };
      await trx
        .insertInto('parts')
        .values({ session_id: part.sessionId, part_id: part.partId, offset: part.offset, size: part.size, sha1: part.sha1, etag: part.etag })
        .execute();
      return { inserted: true, part };
    });
  }

  async getPartAt(sessionId: string, offset: number): Promise<PartRecord | undefined> {
    const row = await this.db.selectFrom('parts').selectAll().where('session_id', '=', sessionId).where('offset', '=', offset).executeTakeFirst();
    return row && toPart(row);
  }

  async listParts(sessionId: string, offset: number, limit: number): Promise<ListPage<PartRecord>> {
    const { count } = await this.db
      .selectFrom('parts')
      .where('session_id', '=', sessionId)
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    const rows = await this.db
      .selectFrom('parts')
      .selectAll()
      .where('session_id', '=', sessionId)
      .orderBy('offset')
      .limit(limit)
      .offset(offset)
      .execute();
    return { total: Number(count), entries: rows.map(toPart) };
  }

  async partsFrom(sessionId: string, fromOffset: number, limit: number): Promise<PartRecord[]> {
    const rows = await this.db
      .selectFrom('parts')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('offset', '>=', fromOffset)
      .orderBy('offset')
      .limit(limit)
      .execute();
    return rows.map(toPart);
  }

  async advanceHash(sessionId: string, fromBytes: number, toBytes: number, state: Uint8Array): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ hashed_bytes: toBytes, hash_state: toDbBytes(state) })
      .where('id', '=', sessionId)
      .where('hashed_bytes', '=', fromBytes)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setPendingCommits(sessionId: string, count: number): Promise<void> {
    await this.db.updateTable('sessions').set({ pending_commits: count }).where('id', '=', sessionId).execute();
  }

  async commitSession(sessionId: string, file: NewFile | NewVersion): Promise<CommitOutcome> {
    return this.rerunOnNameRace(() => this.db.transaction().execute(async (trx): Promise<CommitOutcome> => {
      let query = trx.selectFrom('sessions').selectAll().where('id', '=', sessionId);
      if (this.traits.rowLocks) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return { ok: false, conflict: { kind: 'session_not_active', state: 'aborted' } };
      const session = toSession(row);
      if (session.state === 'committed' && session.committedFileId !== null) {
        const committed = await this.getFile(session.ownerId, session.committedFileId, trx);
        if (committed) return { ok: true, file: committed, replay: true };
      }
      if (session.state !== 'active') return { ok: false, conflict: { kind: 'session_not_active', state: session.state } };
      if (session.purged) return { ok: false, conflict: { kind: 'session_released' } };
      const result = 'fileId' in file ? await this.insertVersion(trx, file) : await this.insertFile(trx, file);
      if (!result.ok) return result;
      await trx
        .updateTable('sessions')
        .set({ state: 'committed', committed_file_id: Number(result.value.id), pending_commits: 0 })
        .where('id', '=', sessionId)
        .execute();
      return { ok: true, file: result.value, replay: false };
    }));
  }

  async abortSession(sessionId: string): Promise<SessionState | undefined> {
    // The update decides (a commit holding the row makes it wait, then match nothing); the read only reports.
    const aborted = await this.db
      .updateTable('sessions')
      .set({ state: 'aborted' })
      .where('id', '=', sessionId)
      .where('state', '=', 'active')
      .executeTakeFirst();
    if (Number(aborted.numUpdatedRows) === 1) return 'aborted';
    return (await this.getSession(sessionId))?.state;
  }

  async sessionsToPurge(now: Date, limit: number): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where((eb) => eb.or([eb('purged', '=', PURGE.releasing), eb.and([eb('purged', '=', PURGE.live), releasable(eb, now)])]))
      .limit(limit)
      .execute();
    return rows.map(toSession);
  }

  async beginRelease(sessionId: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ purged: PURGE.releasing, hash_state: null })
      .where('id', '=', sessionId)
      .where((eb) => eb.or([eb('purged', '=', PURGE.releasing), eb.and([eb('purged', '=', PURGE.live), releasable(eb, now)])]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markPurged(sessionId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // The session row first: it waits for an insertPart holding the row, whose part is then deleted too.
      await trx.updateTable('sessions').set({ purged: PURGE.released, hash_state: null }).where('id', '=', sessionId).execute();
      await trx.deleteFrom('parts').where('session_id', '=', sessionId).execute();
      await trx.deleteFrom('part_claims').where('session_id', '=', sessionId).execute();
    });
  }

  async reservedBySessions(ownerId: string, now: Date): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .where('owner_id', '=', Number(ownerId))
      .where('state', '=', 'active')
      .where('expires_at', '>', now.getTime())
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('file_size'), sql<number>`0`).as('reserved'))
      .executeTakeFirstOrThrow();
    return Number(row.reserved);
  }

  async markUploadCompleted(sessionId: string): Promise<void> {
    await this.db.updateTable('sessions').set({ upload_completed: 1 }).where('id', '=', sessionId).execute();
  }

  // ---- coordination between instances

  async claimPart(sessionId: string, offset: number, holder: string, now: Date, until: Date): Promise<boolean> {
    // One upsert: the conflict branch writes only over an expired claim or the holder's own, so two processes
    // racing for a claim cannot both get a row back.
    const written = await this.db
      .insertInto('part_claims')
      .values({ session_id: sessionId, offset, holder, expires_at: until.getTime() })
      .onConflict((oc) =>
        oc
          .columns(['session_id', 'offset'])
          .doUpdateSet({ holder: (eb) => eb.ref('excluded.holder'), expires_at: (eb) => eb.ref('excluded.expires_at') })
          .where((eb) => eb.or([eb('part_claims.expires_at', '<', now.getTime()), eb('part_claims.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return written !== undefined;
  }

  async releasePart(sessionId: string, offset: number, holder: string): Promise<void> {
    await this.db.deleteFrom('part_claims').where('session_id', '=', sessionId).where('offset', '=', offset).where('holder', '=', holder).execute();
  }

  exclusively<T>(name: string, task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.exclusion.run(name, task);
  }

  private bytesForDb<T extends { hash_state: Uint8Array | null }>(row: T): T {
    return { ...row, hash_state: row.hash_state && toDbBytes(row.hash_state) };
  }
}

/** better-sqlite3 binds Buffers, not plain Uint8Arrays; pg accepts both. */
function toDbBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
