/**
 * MetadataStore over Kysely, shared by the SQLite and PostgreSQL back ends; what differs lives in
 * DialectTraits and the Exclusion strategy. Each public method is one transaction.
 *
 * On PostgreSQL (READ COMMITTED, several processes) writers of one session serialise on its row (FOR UPDATE), and
 * two transactions creating the same name meet at the unique index: the loser is run again and then sees the
 * winner's item as a name conflict.
 */
import type { Kysely } from 'kysely';
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
import { toUser } from './rows.js';
import { rerunOnNameRace, type Db, type SqlContext } from './sql-context.js';
import { TrashSql } from './trash-sql.js';
import { VersionsSql } from './versions-sql.js';
import { SqlOperations } from './operations-queries.js';
import type { Database } from './schema.js';
import { SessionsSql } from './sessions-sql.js';
import { SqlTokens } from './tokens.js';


export class SqlMetadataStore implements MetadataStore {
  private readonly tokens: SqlTokens;
  private readonly sqlCtx: SqlContext;
  private readonly items: ItemsSql;
  private readonly trash: TrashSql;
  private readonly versions: VersionsSql;
  private readonly sessions: SessionsSql;

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
    this.sessions = new SessionsSql(this.sqlCtx, this.items);
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

  // ---- upload sessions, parts and part claims (sessions-sql.ts)

  createSession(session: SessionRecord, quota?: QuotaCheck): Promise<WriteResult<SessionRecord>> {
    return this.sessions.createSession(session, quota);
  }
  getSession(id: string, db: Db = this.db): Promise<SessionRecord | undefined> {
    return this.sessions.getSession(id, db);
  }
  insertPart(part: PartRecord): Promise<{ inserted: boolean; part: PartRecord } | { inserted: false; sessionState: SessionState | 'missing' }> {
    return this.sessions.insertPart(part);
  }
  getPartAt(sessionId: string, offset: number): Promise<PartRecord | undefined> {
    return this.sessions.getPartAt(sessionId, offset);
  }
  listParts(sessionId: string, offset: number, limit: number): Promise<ListPage<PartRecord>> {
    return this.sessions.listParts(sessionId, offset, limit);
  }
  partsFrom(sessionId: string, fromOffset: number, limit: number): Promise<PartRecord[]> {
    return this.sessions.partsFrom(sessionId, fromOffset, limit);
  }
  advanceHash(sessionId: string, fromBytes: number, toBytes: number, state: Uint8Array): Promise<boolean> {
    return this.sessions.advanceHash(sessionId, fromBytes, toBytes, state);
  }
  setPendingCommits(sessionId: string, count: number): Promise<void> {
    return this.sessions.setPendingCommits(sessionId, count);
  }
  commitSession(sessionId: string, file: NewFile | NewVersion, quota?: QuotaCheck): Promise<CommitOutcome> {
    return this.sessions.commitSession(sessionId, file, quota);
  }
  abortSession(sessionId: string): Promise<SessionState | undefined> {
    return this.sessions.abortSession(sessionId);
  }
  sessionsToPurge(now: Date, limit: number): Promise<SessionRecord[]> {
    return this.sessions.sessionsToPurge(now, limit);
  }
  beginRelease(sessionId: string, now: Date): Promise<boolean> {
    return this.sessions.beginRelease(sessionId, now);
  }
  markPurged(sessionId: string): Promise<void> {
    return this.sessions.markPurged(sessionId);
  }
  reservedBySessions(ownerId: string, now: Date): Promise<number> {
    return this.sessions.reservedBySessions(ownerId, now);
  }
  markUploadCompleted(sessionId: string): Promise<void> {
    return this.sessions.markUploadCompleted(sessionId);
  }
  claimPart(sessionId: string, offset: number, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.sessions.claimPart(sessionId, offset, holder, now, until);
  }
  releasePart(sessionId: string, offset: number, holder: string): Promise<void> {
    return this.sessions.releasePart(sessionId, offset, holder);
  }

  exclusively<T>(name: string, task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.exclusion.run(name, task);
  }
}
