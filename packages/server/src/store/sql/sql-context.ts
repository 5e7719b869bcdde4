/** What every aggregate's SQL shares: the database, the dialect's traits, and the small queries items need. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { FileRecord, ItemRecord, WriteResult } from '../metadata-store.js';
import type { DialectTraits } from './dialect-traits.js';
import { nameKey, toFile, toItem } from './rows.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database> | Transaction<Database>;

export interface SqlContext {
  db: Kysely<Database>;
  traits: DialectTraits;
}

/** `in (…)` lists are cut to this many values (SQLite allows 32,766 bound parameters; PostgreSQL 65,535). */
export const IN_CHUNK = 500;

export function chunks<T>(values: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

export function fail<T = never>(conflict: Extract<WriteResult<T>, { ok: false }>['conflict']): { ok: false; conflict: typeof conflict } {
  return { ok: false, conflict };
}

/**
 * Runs `write` again when it lost a race for a name at the unique index (only possible when transactions of
 * several connections overlap, as on PostgreSQL); the next run finds the winner and reports name_in_use.
 */
export async function rerunOnNameRace<T>(traits: DialectTraits, write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 3 || !traits.isUniqueViolation(error)) throw error;
    }
  }
}

/** The item row, locked for the rest of the transaction where the database has row locks. */
export async function lockItem(trx: Db, traits: DialectTraits, ownerId: string, id: string) {
  let query = trx.selectFrom('items').selectAll().where('id', '=', Number(id)).where('owner_id', '=', Number(ownerId));
  if (traits.rowLocks) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Case-insensitive lookup of a name among a folder's live children. */
export async function findLiveChild(db: Db, ownerId: string, parentId: string, name: string): Promise<ItemRecord | undefined> {
  const row = await db
    .selectFrom('items')
    .selectAll()
    .where('owner_id', '=', Number(ownerId))
    .where('parent_id', '=', Number(parentId))
    .where('name_key', '=', nameKey(name))
    .where('trashed_at', 'is', null)
    .executeTakeFirst();
  return row && toItem(row);
}

/** Undefined when `parentId` is the root or a live folder of the owner; the conflict otherwise. */
export async function checkParent(db: Db, ownerId: string, parentId: string): Promise<{ ok: false; conflict: { kind: 'parent_missing' } } | undefined> {
  if (parentId === '0') return undefined;
  const parent = await db
    .selectFrom('items')
    .select('id')
    .where('id', '=', Number(parentId))
    .where('owner_id', '=', Number(ownerId))
    .where('type', '=', 'folder')
    .where('trashed_at', 'is', null)
    .executeTakeFirst();
  return parent ? undefined : { ok: false, conflict: { kind: 'parent_missing' } };
}

export async function readFile(db: Db, ownerId: string, id: string): Promise<FileRecord | undefined> {
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

/** Every item below `rootId` (not itself), breadth first; `follow` decides whose children are visited. */
export async function descendants(db: Db, ownerId: string, rootId: number, follow: 'live' | 'trashed-with' | 'all'): Promise<Array<{ id: number; type: 'file' | 'folder'; parent_id: number }>> {
  const out: Array<{ id: number; type: 'file' | 'folder'; parent_id: number }> = [];
  let frontier = [rootId];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const batch of chunks(frontier)) {
      let query = db.selectFrom('items').select(['id', 'type', 'parent_id']).where('owner_id', '=', Number(ownerId)).where('parent_id', 'in', batch);
      if (follow === 'live') query = query.where('trashed_at', 'is', null);
      // What went to the trash with a folder: trashed, and not deleted on its own before (trash_top = 0).
      if (follow === 'trashed-with') query = query.where('trashed_at', 'is not', null).where('trash_top', '=', 0);
      const rows = await query.orderBy('id').execute();
      for (const row of rows) {
        const child = { id: Number(row.id), type: row.type, parent_id: Number(row.parent_id) };
        out.push(child);
        if (child.type === 'folder') next.push(child.id);
      }
    }
    frontier = next;
  }
  return out;
}

/**
 * Serialises changes to the shape of one owner's tree (move, trash, restore, purge, copy) until the transaction
 * ends, where transactions overlap (PostgreSQL; SQLite runs one writer at a time anyway). Without it, two folders
 * moved into each other at once could both pass the cycle check, and a folder trashed while a child moves out could
 * take the child along. Taken first in the transaction, before any row lock, so the lock order is always the same.
 */
export async function lockOwnerTree(trx: Db, traits: DialectTraits, ownerId: string): Promise<void> {
  if (!traits.rowLocks) return;
  await sql`select pg_advisory_xact_lock(hashtext('tranche-tree'), ${Number(ownerId)}::int)`.execute(trx);
}
