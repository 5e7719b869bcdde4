/**
 * 004_lifecycle: the file lifecycle beyond upload — trash, copies sharing bytes, version history, keyset listings.
 *
 * - items.trashed_at (epoch ms, null while live) and items.trash_top (1 on the item a delete was asked for; its
 *   descendants are trashed with it and stay 0). Names are unique among live children only.
 * - versions.trashed_at: a version moved to the trash on its own (DELETE /files/{id}/versions/{vid}).
 * - blob_refs: how many versions name each stored blob (copies share them); a blob is freed only when its count
 *   reaches 0, and then its key is written to blob_garbage in the same transaction, so a crash before the bytes are
 *   deleted leaves a record the janitor finishes, never a version without bytes.
 * - Listing indexes: live children by (owner, parent, type, name_key) so a page is a range scan, not a sort.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectTraits } from './dialect-traits.js';

export async function lifecycleUp(db: Kysely<any>, traits: DialectTraits): Promise<void> {
  const int = traits.integerType;
  await db.schema.alterTable('items').addColumn('trashed_at', int).execute();
  await db.schema.alterTable('items').addColumn('trash_top', int, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('versions').addColumn('trashed_at', int).execute();

  await db.schema.dropIndex('items_name_unique').execute();
  await db.schema
    .createIndex('items_live_name_unique')
    .on('items')
    .columns(['owner_id', 'parent_id', 'name_key'])
    .unique()
    .where(sql.ref('trashed_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('items_live_children')
    .on('items')
    .columns(['owner_id', 'parent_id', 'type', 'name_key'])
    .where(sql.ref('trashed_at'), 'is', null)
    .execute();
  // Every child of a folder, live or trashed (recursive trash, restore and purge walk these).
  await db.schema.createIndex('items_parent').on('items').columns(['parent_id']).execute();
  await db.schema.createIndex('items_trash').on('items').columns(['owner_id', 'trash_top', 'type', 'name_key', 'id']).execute();
  await db.schema.createIndex('items_trash_expiry').on('items').columns(['trash_top', 'trashed_at']).execute();
  await db.schema.createIndex('versions_trash_expiry').on('versions').columns(['trashed_at']).execute();

  await db.schema
    .createTable('blob_refs')
    .addColumn('blob_key', 'text', (c) => c.primaryKey())
    .addColumn('refs', int, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('blob_garbage')
    .addColumn('blob_key', 'text', (c) => c.primaryKey())
    .addColumn('since', int, (c) => c.notNull())
    .execute();
  await sql`insert into blob_refs (blob_key, refs) select blob_key, count(*) from versions group by blob_key`.execute(db);
}
