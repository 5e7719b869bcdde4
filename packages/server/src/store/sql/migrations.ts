/** Versioned schema migrations, applied in order on start (Kysely's Migrator). */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectTraits } from './dialect-traits.js';
import { lifecycleUp } from './migration-004-lifecycle.js';

function migrations(traits: DialectTraits): Record<string, Migration> {
  const { serialType, integerType: int, bytesType } = traits;
  return {
    '001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('users')
          .addColumn('id', serialType, (c) => (traits.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('login', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('tokens')
          .addColumn('hash', 'text', (c) => c.primaryKey())
          .addColumn('user_id', int, (c) => c.notNull().references('users.id'))
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('items')
          .addColumn('id', serialType, (c) => (traits.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('owner_id', int, (c) => c.notNull().references('users.id'))
          .addColumn('parent_id', int, (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('name_key', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('etag', int, (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', int, (c) => c.notNull())
          .addColumn('modified_at', int, (c) => c.notNull())
          .addColumn('content_created_at', int, (c) => c.notNull())
          .addColumn('content_modified_at', int, (c) => c.notNull())
          .addColumn('version_id', int)
          .execute();
        await db.schema.createIndex('items_name_unique').on('items').columns(['owner_id', 'parent_id', 'name_key']).unique().execute();
        await db.schema
          .createTable('versions')
          .addColumn('id', serialType, (c) => (traits.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('file_id', int, (c) => c.notNull())
          .addColumn('sha1', 'text', (c) => c.notNull())
          .addColumn('size', int, (c) => c.notNull())
          .addColumn('blob_key', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('versions_file').on('versions').column('file_id').execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('owner_id', int, (c) => c.notNull().references('users.id'))
          .addColumn('folder_id', int, (c) => c.notNull())
          .addColumn('file_id', int)
          .addColumn('file_name', 'text', (c) => c.notNull())
          .addColumn('file_size', int, (c) => c.notNull())
          .addColumn('part_size', int, (c) => c.notNull())
          .addColumn('total_parts', int, (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addColumn('expires_at', int, (c) => c.notNull())
          .addColumn('blob_key', 'text', (c) => c.notNull())
          .addColumn('blob_upload_id', 'text')
          .addColumn('hashed_bytes', int, (c) => c.notNull().defaultTo(0))
          .addColumn('hash_state', bytesType)
          .addColumn('pending_commits', int, (c) => c.notNull().defaultTo(0))
          .addColumn('committed_file_id', int)
          .addColumn('purged', int, (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('sessions_purge').on('sessions').columns(['purged', 'state', 'expires_at']).execute();
        await db.schema.createIndex('sessions_owner').on('sessions').columns(['owner_id', 'state']).execute();
        await db.schema
          .createTable('parts')
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('part_id', 'text', (c) => c.notNull())
          .addColumn('offset', int, (c) => c.notNull())
          .addColumn('size', int, (c) => c.notNull())
          .addColumn('sha1', 'text', (c) => c.notNull())
          .addColumn('etag', 'text')
          .addPrimaryKeyConstraint('parts_pk', ['session_id', 'offset'])
          .execute();
        await db.schema.createIndex('parts_id_unique').on('parts').columns(['session_id', 'part_id']).unique().execute();
        await sql`select 1`.execute(db);
      },
    },
    '002_cluster': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('part_claims')
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('offset', int, (c) => c.notNull())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('part_claims_pk', ['session_id', 'offset'])
          .execute();
        await db.schema.alterTable('sessions').addColumn('upload_completed', int, (c) => c.notNull().defaultTo(0)).execute();
        // Listings sort by name_key; SQLite compares text bytewise, PostgreSQL by the database's locale unless told
        // otherwise. Bytewise on both keeps one order whatever locale the database was created with.
        if (traits.name === 'postgres') await sql`alter table items alter column name_key type text collate "C"`.execute(db);
      },
    },
    // Tokens that expire and can be revoked (docs/RELIABILITY.md, "Token lifecycle"). Existing tokens never expire.
    '002_tokens_expiry_revocation': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('tokens').addColumn('expires_at', int).execute();
        await db.schema.alterTable('tokens').addColumn('revoked_at', int).execute();
        await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();
      },
    },
    '004_lifecycle': { up: (db: Kysely<any>) => lifecycleUp(db, traits) },
    // Operations (issue 15): per-user quota and disabling; the integrity check's findings per file version.
    '005_operations': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('users').addColumn('quota', int).execute();
        await db.schema.alterTable('users').addColumn('disabled_at', int).execute();
        await db.schema.alterTable('versions').addColumn('verified_at', int).execute();
        await db.schema.alterTable('versions').addColumn('corrupt_at', int).execute();
        await db.schema.alterTable('versions').addColumn('corrupt_detail', 'text').execute();
        await db.schema.createIndex('versions_corrupt').on('versions').column('corrupt_at').execute();
      },
    },
  };
}

export async function migrateToLatest(db: Kysely<any>, traits: DialectTraits): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(traits) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
