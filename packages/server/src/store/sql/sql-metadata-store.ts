/**
 * MetadataStore over Kysely, shared by the SQLite and PostgreSQL back ends; what differs lives in
 * DialectTraits and the Exclusion strategy. Each public method is one transaction.
 *
 * On PostgreSQL (READ COMMITTED, several processes) writers of one session serialise on its row (FOR UPDATE), and
 * two transactions creating the same name meet at the unique index: the loser is run again and then sees the
 * winner's item as a name conflict.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type {
  CommitOutcome,
  FileRecord,
  CopyTarget,
  Freed,
  ItemChanges,
  ItemRecord,
  ItemSort,
  KeysetPage,
  ListMarker,
  ListPage,
  MetadataStore,
  NewFile,
  NewVersion,
  PartRecord,
  QuotaCheck,
  SessionRecord,
  SessionState,
  TokenRecord,
  UserRecord,
  VersionRecord,
  WriteResult,
} from '../metadata-store.js';
import type { DialectTraits } from './dialect-traits.js';
import type { Exclusion } from './exclusion.js';
import { forgetGarbage, garbageBlobs } from './blob-refs-sql.js';
import { copyItem } from './copy-sql.js';
import { updateItem } from './item-updates-sql.js';
import { ItemsSql } from './items-sql.js';
import { quotaConflict, reservedBySessions, storageUsed } from './quota.js';
import { fromSession, toPart, toSession, toUser } from './rows.js';
import { readFile, rerunOnNameRace, type Db, type SqlContext } from './sql-context.js';
import { TrashSql } from './trash-sql.js';
import { VersionsSql } from './versions-sql.js';
import { SqlOperations } from './operations-queries.js';
import type { Database } from './schema.js';
import { SqlTokens } from './tokens.js';


/** sessions.purged: bytes kept; release begun (no commit or part may land any more); bytes gone. */
const PURGE = { live: 0, releasing: 2, released: 1 } as const;

/** Aborted, or active and expired at `now`: the bytes may go. */
function releasable(eb: ExpressionBuilder<Database, 'sessions'>, now: Date) {
  return eb.or([eb('state', '=', 'aborted'), eb.and([eb('state', '=', 'active'), eb('expires_at', '<=', now.getTime())])]);
}

export class SqlMetadataStore implements MetadataStore {
  private readonly tokens: SqlTokens;
  private readonly sqlCtx: SqlContext;
  private readonly items: ItemsSql;
  private readonly trash: TrashSql;
  private readonly versions: VersionsSql;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
    private readonly exclusion: Exclusion,
    /** The migrations the open applied (empty when the schema was current). */
    readonly appliedMigrations: string[] = [],
  ) {
    this.tokens = new SqlTokens(db);
    this.sqlCtx = { db, traits };
    this.items = new ItemsSql(this.sqlCtx);
    this.trash = new TrashSql(this.sqlCtx);
    this.versions = new VersionsSql(this.sqlCtx);
  }

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

  addToken(userId: string, tokenHash: string, expiresAt?: Date | null): Promise<void> {
    return this.tokens.add(userId, tokenHash, expiresAt);
  }

  tokenByHash(tokenHash: string): Promise<{ token: TokenRecord; user: UserRecord } | undefined> {
    return this.tokens.byHash(tokenHash);
  }

  tokensByHashPrefix(hashPrefix: string, limit: number): Promise<TokenRecord[]> {
    return this.tokens.byHashPrefix(hashPrefix, limit);
  }

  tokensOfUser(userName: string): Promise<TokenRecord[] | undefined> {
    return this.tokens.ofUser(userName);
  }

  revokeToken(tokenHash: string, at: Date): Promise<boolean> {
    return this.tokens.revoke(tokenHash, at);
  }

  // ---- folders, files, versions, trash and copies: one module per aggregate, delegated to

  getItem(ownerId: string, id: string): Promise<ItemRecord | undefined> {
    return this.items.getItem(ownerId, id);
  }
  getFile(ownerId: string, id: string): Promise<FileRecord | undefined> {
    return this.items.getFile(ownerId, id);
  }
  getVersion(fileId: string, versionId: string): Promise<VersionRecord | undefined> {
    return this.items.getVersion(fileId, versionId);
  }
  findChild(ownerId: string, parentId: string, name: string): Promise<ItemRecord | undefined> {
    return this.items.findChild(ownerId, parentId, name);
  }
  listChildren(ownerId: string, parentId: string, page: { offset: number; limit: number; sort: ItemSort; direction: 'ASC' | 'DESC' }): Promise<ListPage<ItemRecord | FileRecord>> {
    return this.items.listChildren(ownerId, parentId, page);
  }
  countChildren(ownerId: string, parentId: string): Promise<number> {
    return this.items.countChildren(ownerId, parentId);
  }
  listChildrenAfter(ownerId: string, parentId: string, after: ListMarker | null, limit: number): Promise<KeysetPage<ItemRecord | FileRecord>> {
    return this.items.listChildrenAfter(ownerId, parentId, after, limit);
  }
  createFolder(ownerId: string, parentId: string, name: string): Promise<WriteResult<ItemRecord>> {
    return this.items.createFolder(ownerId, parentId, name);
  }
  createFile(file: NewFile, quota?: QuotaCheck): Promise<WriteResult<FileRecord>> {
    return rerunOnNameRace(this.traits, () => this.db.transaction().execute(async (trx) =>
      (await quotaConflict(trx, this.traits, file.ownerId, file.size, quota)) ?? this.items.insertFile(trx, file)));
  }
  addVersion(version: NewVersion, quota?: QuotaCheck): Promise<WriteResult<FileRecord>> {
    return rerunOnNameRace(this.traits, () => this.db.transaction().execute(async (trx) =>
      (await quotaConflict(trx, this.traits, version.ownerId, version.size, quota)) ?? this.items.insertVersion(trx, version)));
  }
  storageUsed(ownerId: string): Promise<number> {
    return storageUsed(this.db, ownerId);
  }
  updateItem(ownerId: string, id: string, changes: ItemChanges): Promise<WriteResult<ItemRecord>> {
    return updateItem(this.sqlCtx, ownerId, id, changes);
  }
  copyItem(ownerId: string, id: string, target: CopyTarget): Promise<WriteResult<ItemRecord>> {
    return copyItem(this.sqlCtx, ownerId, id, target);
  }
  trashItem(ownerId: string, id: string, options: { recursive: boolean; ifMatchEtag?: number; now: Date }): Promise<WriteResult<ItemRecord>> {
    return this.trash.trashItem(ownerId, id, options);
  }
  restoreItem(ownerId: string, id: string, options: { parentId?: string; name?: string; now: Date }): Promise<WriteResult<ItemRecord>> {
    return this.trash.restoreItem(ownerId, id, options);
  }
  purgeItem(ownerId: string, id: string): Promise<WriteResult<Freed>> {
    return this.trash.purgeItem(ownerId, id);
  }
  purgeExpiredTrash(before: Date, limit: number): Promise<{ purged: number; freed: Freed }> {
    return this.trash.purgeExpiredTrash(before, limit);
  }
  listTrash(ownerId: string, after: ListMarker | null, offset: number, limit: number): Promise<KeysetPage<ItemRecord | FileRecord> & { total: number }> {
    return this.trash.listTrash(ownerId, after, offset, limit);
  }
  listVersions(fileId: string, offset: number, limit: number): Promise<ListPage<VersionRecord> & { currentNumber: number }> {
    return this.versions.listVersions(fileId, offset, limit);
  }
  versionNumber(fileId: string, versionId: string): Promise<number> {
    return this.versions.versionNumber(fileId, versionId);
  }
  promoteVersion(ownerId: string, fileId: string, versionId: string, now: Date): Promise<WriteResult<FileRecord>> {
    return this.versions.promoteVersion(ownerId, fileId, versionId, now);
  }
  trashVersion(ownerId: string, fileId: string, versionId: string, now: Date): Promise<WriteResult<VersionRecord>> {
    return this.versions.trashVersion(ownerId, fileId, versionId, now);
  }
  garbageBlobs(limit: number): Promise<string[]> {
    return garbageBlobs(this.db, limit);
  }
  forgetGarbage(blobKey: string): Promise<void> {
    return forgetGarbage(this.db, blobKey);
  }

  // ---- upload sessions

  async createSession(session: SessionRecord, quota?: QuotaCheck): Promise<WriteResult<SessionRecord>> {
    return this.db.transaction().execute(async (trx) => {
      const refused = await quotaConflict(trx, this.traits, session.ownerId, session.fileSize, quota);
      if (refused) return refused;
      await trx.insertInto('sessions').values(this.bytesForDb(fromSession(session))).execute();
      return { ok: true, value: session } as const;
    });
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

  async commitSession(sessionId: string, file: NewFile | NewVersion, quota?: QuotaCheck): Promise<CommitOutcome> {
    return rerunOnNameRace(this.traits, () => this.db.transaction().execute(async (trx): Promise<CommitOutcome> => {
      let query = trx.selectFrom('sessions').selectAll().where('id', '=', sessionId);
      if (this.traits.rowLocks) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return { ok: false, conflict: { kind: 'session_not_active', state: 'aborted' } };
      const session = toSession(row);
      if (session.state === 'committed' && session.committedFileId !== null) {
        const committed = await readFile(trx, session.ownerId, session.committedFileId);
        if (committed) return { ok: true, file: committed, replay: true };
      }
      if (session.state !== 'active') return { ok: false, conflict: { kind: 'session_not_active', state: session.state } };
      if (session.purged) return { ok: false, conflict: { kind: 'session_released' } };
      const refused = await quotaConflict(trx, this.traits, session.ownerId, file.size, quota, sessionId);
      if (refused) return refused;
      const result = 'fileId' in file ? await this.items.insertVersion(trx, file) : await this.items.insertFile(trx, file);
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
    return reservedBySessions(this.db, ownerId, now);
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
