/** OperationsStore over Kysely, for SQLite and PostgreSQL alike (see ../operations-store.ts). */
import { sql, type Kysely } from 'kysely';
import type { OperationsStore, SessionStatus, SessionSummary, StoredVersion, UserSummary } from '../operations-store.js';
import type { DialectTraits } from './dialect-traits.js';
import type { Database } from './schema.js';

const num = (value: number | string | bigint | null | undefined): number => Number(value ?? 0);

export class SqlOperations implements OperationsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async databaseTime(): Promise<Date | null> {
    if (this.traits.name === 'sqlite') return null;
    const { rows } = await sql<{ ms: string | number }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms`.execute(this.db);
    return new Date(Number(rows[0]!.ms));
  }

  async appliedMigrations(): Promise<string[]> {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(this.db);
    return rows.map((r) => r.name);
  }

  async countOpenSessions(now: Date): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .where('state', '=', 'active')
      .where('expires_at', '>', now.getTime())
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return num(row.n);
  }

  async listUsers(): Promise<UserSummary[]> {
    const rows = await this.db
      .selectFrom('users')
      .select((eb) => [
        'users.id',
        'users.name',
        'users.created_at',
        'users.quota',
        'users.disabled_at',
        eb
          .selectFrom('versions')
          .innerJoin('items', 'items.id', 'versions.file_id')
          .whereRef('items.owner_id', '=', 'users.id')
          .select((v) => v.fn.coalesce(v.fn.sum<number | string>('versions.size'), sql<number>`0`).as('s'))
          .as('used'),
        eb.selectFrom('items').whereRef('items.owner_id', '=', 'users.id').where('items.type', '=', 'file').select((i) => i.fn.countAll<number>().as('c')).as('files'),
        eb.selectFrom('tokens').whereRef('tokens.user_id', '=', 'users.id').select((t) => t.fn.countAll<number>().as('c')).as('tokens'),
      ])
      .orderBy('users.name')
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      createdAt: new Date(num(r.created_at)),
      quota: r.quota === null ? null : num(r.quota),
      disabled: r.disabled_at !== null,
      usedBytes: num(r.used),
      files: num(r.files),
      tokens: num(r.tokens),
    }));
  }

  async createUser(name: string): Promise<boolean> {
    try {
      await this.db.insertInto('users').values({ name, login: `${name}@tranche.local`, created_at: Date.now(), quota: null, disabled_at: null }).execute();
      return true;
    } catch (error) {
      if (this.traits.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async setQuota(name: string, bytes: number | null): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ quota: bytes }).where('name', '=', name).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setDisabled(name: string, disabled: boolean, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ disabled_at: disabled ? at.getTime() : null })
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listSessions(filter: { user?: string; status?: SessionStatus; limit: number }, now: Date): Promise<SessionSummary[]> {
    const at = now.getTime();
    let query = this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.owner_id')
      .select((eb) => [
        'sessions.id',
        'users.name as user_name',
        'sessions.file_name',
        'sessions.file_size',
        'sessions.total_parts',
        'sessions.state',
        'sessions.purged',
        'sessions.created_at',
        'sessions.expires_at',
        eb.selectFrom('parts').whereRef('parts.session_id', '=', 'sessions.id').select((p) => p.fn.countAll<number>().as('c')).as('parts'),
      ]);
    if (filter.user !== undefined) query = query.where('users.name', '=', filter.user);
    switch (filter.status) {
      case 'active':
        query = query.where('sessions.state', '=', 'active').where('sessions.expires_at', '>', at);
        break;
      case 'expired':
        query = query.where('sessions.state', '=', 'active').where('sessions.expires_at', '<=', at);
        break;
      case 'committed':
      case 'aborted':
        query = query.where('sessions.state', '=', filter.status);
        break;
    }
    const rows = await query.orderBy('sessions.created_at', 'desc').orderBy('sessions.id').limit(filter.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      userName: r.user_name,
      fileName: r.file_name,
      fileSize: num(r.file_size),
      parts: num(r.parts),
      totalParts: num(r.total_parts),
      status: r.state === 'active' && num(r.expires_at) <= at ? 'expired' : r.state,
      released: num(r.purged) !== 0,
      createdAt: new Date(num(r.created_at)),
      expiresAt: new Date(num(r.expires_at)),
    }));
  }

  async storedVersions(filter: { user?: string; afterId?: string; limit: number }): Promise<StoredVersion[]> {
    let query = this.versionQuery();
    if (filter.user !== undefined) query = query.where('users.name', '=', filter.user);
    if (filter.afterId !== undefined) query = query.where('versions.id', '>', Number(filter.afterId));
    return (await query.orderBy('versions.id').limit(filter.limit).execute()).map(toStoredVersion);
  }

  async recordCheck(versionId: string, at: Date, corrupt: string | null): Promise<void> {
    const values = corrupt === null ? { verified_at: at.getTime(), corrupt_at: null, corrupt_detail: null } : { corrupt_at: at.getTime(), corrupt_detail: corrupt.slice(0, 1000) };
    await this.db.updateTable('versions').set(values).where('id', '=', Number(versionId)).execute();
  }

  async corruptVersions(): Promise<StoredVersion[]> {
    return (await this.versionQuery().where('versions.corrupt_at', 'is not', null).orderBy('versions.id').execute()).map(toStoredVersion);
  }

  private versionQuery() {
    return this.db
      .selectFrom('versions')
      .innerJoin('items', 'items.id', 'versions.file_id')
      .innerJoin('users', 'users.id', 'items.owner_id')
      .select([
        'versions.id',
        'versions.file_id',
        'items.name as file_name',
        'users.name as owner_name',
        'items.version_id',
        'versions.sha1',
        'versions.size',
        'versions.blob_key',
        'versions.verified_at',
        'versions.corrupt_at',
        'versions.corrupt_detail',
      ]);
  }
}

type VersionRow = {
  id: number | string | bigint;
  file_id: number | string | bigint;
  file_name: string;
  owner_name: string;
  version_id: number | string | bigint | null;
  sha1: string;
  size: number | string | bigint;
  blob_key: string;
  verified_at: number | string | bigint | null;
  corrupt_at: number | string | bigint | null;
  corrupt_detail: string | null;
};

function toStoredVersion(r: VersionRow): StoredVersion {
  return {
    versionId: String(r.id),
    fileId: String(r.file_id),
    fileName: r.file_name,
    ownerName: r.owner_name,
    current: r.version_id !== null && String(r.version_id) === String(r.id),
    sha1: r.sha1,
    size: num(r.size),
    blobKey: r.blob_key,
    verifiedAt: r.verified_at === null ? null : new Date(num(r.verified_at)),
    corruptAt: r.corrupt_at === null ? null : new Date(num(r.corrupt_at)),
    corruptDetail: r.corrupt_detail,
  };
}
