/**
 * Upload sessions, their parts and the part claims instances take on each other: one transaction per method.
 * A session row is the lock its writers meet at on PostgreSQL (FOR UPDATE).
 */
import type { ExpressionBuilder } from 'kysely';
import type { CommitOutcome, NewFile, NewVersion, PartRecord, QuotaCheck, SessionRecord, SessionState, WriteResult, ListPage } from '../metadata-store.js';
import type { ItemsSql } from './items-sql.js';
import { quotaConflict, reservedBySessions } from './quota.js';
import { fromSession, toPart, toSession } from './rows.js';
import { readFile, rerunOnNameRace, type Db, type SqlContext } from './sql-context.js';
import type { Database } from './schema.js';

/** sessions.purged: bytes kept; release begun (no commit or part may land any more); bytes gone. */
const PURGE = { live: 0, releasing: 2, released: 1 } as const;

/** Aborted, or active and expired at `now`: the bytes may go. */
function releasable(eb: ExpressionBuilder<Database, 'sessions'>, now: Date) {
  return eb.or([eb('state', '=', 'aborted'), eb.and([eb('state', '=', 'active'), eb('expires_at', '<=', now.getTime())])]);
}

export class SessionsSql {
  constructor(
    private readonly ctx: SqlContext,
    private readonly items: ItemsSql,
  ) {}

  async createSession(session: SessionRecord, quota?: QuotaCheck): Promise<WriteResult<SessionRecord>> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const refused = await quotaConflict(trx, this.ctx.traits, session.ownerId, session.fileSize, quota);
      if (refused) return refused;
      await trx.insertInto('sessions').values(this.bytesForDb(fromSession(session))).execute();
      return { ok: true, value: session } as const;
    });
  }

  async getSession(id: string, db: Db = this.ctx.db): Promise<SessionRecord | undefined> {
    const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  async insertPart(part: PartRecord): Promise<{ inserted: boolean; part: PartRecord } | { inserted: false; sessionState: SessionState | 'missing' }> {
    return this.ctx.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('sessions').select(['state', 'purged']).where('id', '=', part.sessionId);
      if (this.ctx.traits.rowLocks) query = query.forUpdate();
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
    const row = await this.ctx.db.selectFrom('parts').selectAll().where('session_id', '=', sessionId).where('offset', '=', offset).executeTakeFirst();
    return row && toPart(row);
  }

  async listParts(sessionId: string, offset: number, limit: number): Promise<ListPage<PartRecord>> {
    const { count } = await this.ctx.db
      .selectFrom('parts')
      .where('session_id', '=', sessionId)
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    const rows = await this.ctx.db
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
    const rows = await this.ctx.db
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
    const result = await this.ctx.db
      .updateTable('sessions')
      .set({ hashed_bytes: toBytes, hash_state: toDbBytes(state) })
      .where('id', '=', sessionId)
      .where('hashed_bytes', '=', fromBytes)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setPendingCommits(sessionId: string, count: number): Promise<void> {
    await this.ctx.db.updateTable('sessions').set({ pending_commits: count }).where('id', '=', sessionId).execute();
  }

  async commitSession(sessionId: string, file: NewFile | NewVersion, quota?: QuotaCheck): Promise<CommitOutcome> {
    return rerunOnNameRace(this.ctx.traits, () => this.ctx.db.transaction().execute(async (trx): Promise<CommitOutcome> => {
      let query = trx.selectFrom('sessions').selectAll().where('id', '=', sessionId);
      if (this.ctx.traits.rowLocks) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return { ok: false, conflict: { kind: 'session_not_active', state: 'aborted' } };
      const session = toSession(row);
      if (session.state === 'committed' && session.committedFileId !== null) {
        const committed = await readFile(trx, session.ownerId, session.committedFileId);
        if (committed) return { ok: true, file: committed, replay: true };
      }
      if (session.state !== 'active') return { ok: false, conflict: { kind: 'session_not_active', state: session.state } };
      if (session.purged) return { ok: false, conflict: { kind: 'session_released' } };
      const refused = await quotaConflict(trx, this.ctx.traits, session.ownerId, file.size, quota, sessionId);
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
    const aborted = await this.ctx.db
      .updateTable('sessions')
      .set({ state: 'aborted' })
      .where('id', '=', sessionId)
      .where('state', '=', 'active')
      .executeTakeFirst();
    if (Number(aborted.numUpdatedRows) === 1) return 'aborted';
    return (await this.getSession(sessionId))?.state;
  }

  async sessionsToPurge(now: Date, limit: number): Promise<SessionRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('sessions')
      .selectAll()
      .where((eb) => eb.or([eb('purged', '=', PURGE.releasing), eb.and([eb('purged', '=', PURGE.live), releasable(eb, now)])]))
      .limit(limit)
      .execute();
    return rows.map(toSession);
  }

  async beginRelease(sessionId: string, now: Date): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('sessions')
      .set({ purged: PURGE.releasing, hash_state: null })
      .where('id', '=', sessionId)
      .where((eb) => eb.or([eb('purged', '=', PURGE.releasing), eb.and([eb('purged', '=', PURGE.live), releasable(eb, now)])]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markPurged(sessionId: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (trx) => {
      // The session row first: it waits for an insertPart holding the row, whose part is then deleted too.
      await trx.updateTable('sessions').set({ purged: PURGE.released, hash_state: null }).where('id', '=', sessionId).execute();
      await trx.deleteFrom('parts').where('session_id', '=', sessionId).execute();
      await trx.deleteFrom('part_claims').where('session_id', '=', sessionId).execute();
    });
  }

  async reservedBySessions(ownerId: string, now: Date): Promise<number> {
    return reservedBySessions(this.ctx.db, ownerId, now);
  }

  async markUploadCompleted(sessionId: string): Promise<void> {
    await this.ctx.db.updateTable('sessions').set({ upload_completed: 1 }).where('id', '=', sessionId).execute();
  }

  async claimPart(sessionId: string, offset: number, holder: string, now: Date, until: Date): Promise<boolean> {
    // One upsert: the conflict branch writes only over an expired claim or the holder's own, so two processes
    // racing for a claim cannot both get a row back.
    const written = await this.ctx.db
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
    await this.ctx.db.deleteFrom('part_claims').where('session_id', '=', sessionId).where('offset', '=', offset).where('holder', '=', holder).execute();
  }

  private bytesForDb<T extends { hash_state: Uint8Array | null }>(row: T): T {
    return { ...row, hash_state: row.hash_state && toDbBytes(row.hash_state) };
  }
}

/** better-sqlite3 binds Buffers, not plain Uint8Arrays; pg accepts both. */
function toDbBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
