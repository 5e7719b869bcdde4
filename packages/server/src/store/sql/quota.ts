/**
 * The storage quota, decided where the bytes are spent: inside the transaction that reserves them (a session) or
 * stores them (a simple upload, a commit). On PostgreSQL the owner's row is locked first (FOR NO KEY UPDATE: it
 * serialises a user's quota decisions without blocking the foreign-key checks of unrelated inserts); SQLite runs
 * one transaction at a time. Either way two concurrent requests cannot both pass a check that only one fits.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { QuotaCheck, WriteConflict } from '../metadata-store.js';
import type { DialectTraits } from './dialect-traits.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Sum of the sizes of every stored version the user owns. */
export async function storageUsed(db: Db, ownerId: string): Promise<number> {
  const row = await db
    .selectFrom('versions')
    .innerJoin('items', 'items.id', 'versions.file_id')
    .where('items.owner_id', '=', Number(ownerId))
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('versions.size'), sql<number>`0`).as('used'))
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

/** Bytes reserved by the user's active, unexpired sessions (`exceptSessionId` left out: a commit's own). */
export async function reservedBySessions(db: Db, ownerId: string, now: Date, exceptSessionId?: string): Promise<number> {
  let query = db
    .selectFrom('sessions')
    .where('owner_id', '=', Number(ownerId))
    .where('state', '=', 'active')
    .where('expires_at', '>', now.getTime());
  if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
  const row = await query.select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('file_size'), sql<number>`0`).as('reserved')).executeTakeFirstOrThrow();
  return Number(row.reserved);
}

/**
 * Within `trx`: the conflict when `bytes` more would pass the user's quota, counting stored versions and the
 * reservations of live sessions (`exceptSessionId`'s aside). Locks the owner's row on PostgreSQL until `trx` ends.
 */
export async function quotaConflict(
  trx: Transaction<Database>,
  traits: DialectTraits,
  ownerId: string,
  bytes: number,
  quota: QuotaCheck | undefined,
  exceptSessionId?: string,
): Promise<{ ok: false; conflict: WriteConflict } | undefined> {
  if (!quota) return undefined;
  if (traits.rowLocks) await trx.selectFrom('users').select('id').where('id', '=', Number(ownerId)).forNoKeyUpdate().execute();
  const used = (await storageUsed(trx, ownerId)) + (await reservedBySessions(trx, ownerId, quota.now, exceptSessionId));
  if (used + bytes <= quota.limit) return undefined;
  return { ok: false, conflict: { kind: 'quota_exceeded', used, requested: bytes, limit: quota.limit } };
}
