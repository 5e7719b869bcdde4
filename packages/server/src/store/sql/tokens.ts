/** The tokens aggregate in SQL: issue, look up by digest, list per user, revoke. Only SHA-256 digests are stored. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { TokenRecord, UserRecord } from '../metadata-store.js';
import { toUser } from './rows.js';
import type { Database, TokensTable } from './schema.js';

type TokenRow = Selectable<TokensTable> & { user_name: string };

const date = (value: number | string | bigint): Date => new Date(Number(value));

function toToken(row: TokenRow): TokenRecord {
  return {
    hash: row.hash,
    userId: String(row.user_id),
    userName: row.user_name,
    createdAt: date(row.created_at),
    expiresAt: row.expires_at === null ? null : date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : date(row.revoked_at),
  };
}

function selectTokens(db: Kysely<Database>) {
  return db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.hash', 'tokens.user_id', 'tokens.created_at', 'tokens.expires_at', 'tokens.revoked_at', 'users.name as user_name']);
}

export class SqlTokens {
  constructor(private readonly db: Kysely<Database>) {}

  async add(userId: string, tokenHash: string, expiresAt: Date | null = null): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({ hash: tokenHash, user_id: Number(userId), created_at: Date.now(), expires_at: expiresAt?.getTime() ?? null, revoked_at: null })
      .execute();
  }

  async byHash(tokenHash: string): Promise<{ token: TokenRecord; user: UserRecord } | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('users')
      .select(['tokens.hash', 'tokens.user_id', 'tokens.created_at as token_created_at', 'tokens.expires_at', 'tokens.revoked_at'])
      .where('tokens.hash', '=', tokenHash)
      // A disabled user's tokens authenticate nobody (`tranche users disable`), like a revoked one.
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const token = toToken({ ...row, created_at: row.token_created_at, user_name: row.name });
    return { token, user: toUser(row) };
  }

  async byHashPrefix(hashPrefix: string, limit: number): Promise<TokenRecord[]> {
    if (!/^[0-9a-f]*$/.test(hashPrefix)) return [];
    // substr rather than LIKE (no escaping) or a range (PostgreSQL would compare in the database's locale); the
    // table holds one row per token ever issued, scanned only by the revoke command.
    const rows = await selectTokens(this.db)
      .where(sql<string>`substr(tokens.hash, 1, ${sql.lit(hashPrefix.length)})`, '=', hashPrefix)
      .orderBy('tokens.hash')
      .limit(limit)
      .execute();
    return rows.map(toToken);
  }

  async ofUser(userName: string): Promise<TokenRecord[] | undefined> {
    const user = await this.db.selectFrom('users').select('id').where('name', '=', userName).executeTakeFirst();
    if (!user) return undefined;
    const rows = await selectTokens(this.db).where('tokens.user_id', '=', user.id).orderBy('tokens.created_at').orderBy('tokens.hash').execute();
    return rows.map(toToken);
  }

  async revoke(tokenHash: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at.getTime() })
      .where('hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
