/**
 * The embedded default: one SQLite file in WAL mode. An acknowledged write survives a crash: the WAL is flushed
 * before a write's result is handed back, on the thread pool rather than inside COMMIT (wal-sync.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { DialectTraits } from '../sql/dialect-traits.js';
import { DurableSqliteDialect } from './sqlite-dialect.js';
import { walSync, type WalSync } from './wal-sync.js';
import { ProcessLocalExclusion } from '../sql/exclusion.js';
import { migrateToLatest } from '../sql/migrations.js';
import type { Database } from '../sql/schema.js';
import { SqlMetadataStore } from '../sql/sql-metadata-store.js';

export const sqliteTraits: DialectTraits = {
  name: 'sqlite',
  serialType: 'integer',
  integerType: 'integer',
  bytesType: 'blob',
  rowLocks: false,
  isUniqueViolation: (error) => String((error as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT'),
};

export interface SqliteOptions {
  /** Path of the database file; created with its directory when missing. */
  filename: string;
  /** How writes are made durable before they are answered (default: walSync of `filename`; tests observe it). */
  wal?: (filename: string) => WalSync;
}

export async function openSqliteMetadataStore(options: SqliteOptions): Promise<SqlMetadataStore> {
  mkdirSync(path.dirname(path.resolve(options.filename)), { recursive: true });
  const database = new BetterSqlite3(options.filename);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new DurableSqliteDialect(database, (options.wal ?? walSync)(path.resolve(options.filename))) });
  const applied = await migrateToLatest(db, sqliteTraits);
  return new SqlMetadataStore(db, sqliteTraits, new ProcessLocalExclusion(), applied);
}
