/**
 * The shared store for several instances: PostgreSQL through a `pg` pool. Opening applies pending migrations;
 * Kysely's Migrator holds an advisory lock meanwhile, so instances starting together migrate once.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DialectTraits } from '../sql/dialect-traits.js';
import { migrateToLatest } from '../sql/migrations.js';
import type { Database } from '../sql/schema.js';
import { SqlMetadataStore } from '../sql/sql-metadata-store.js';
import { AdvisoryLockExclusion } from './advisory-lock-exclusion.js';

export const postgresTraits: DialectTraits = {
  name: 'postgres',
  serialType: 'bigserial',
  integerType: 'bigint',
  bytesType: 'bytea',
  rowLocks: true,
  isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
};

export interface PostgresOptions {
  /** postgres://USER:PASSWORD@HOST:PORT/DATABASE[?…] */
  connectionString: string;
  /** Pool size (default 10, at least 2: a running `exclusively` task keeps one connection for its lock). */
  maxConnections?: number;
  /** How long to wait for a connection, new or from the busy pool, before the query fails (default 30 s). */
  connectTimeoutMs?: number;
}

const INT8_OID = 20;

/** BIGINT columns (ids, sizes, epoch milliseconds, count(*)) as numbers; a value past 2^53 would be silently wrong. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} does not fit a JavaScript number`);
  return value;
}

export async function openPostgresMetadataStore(options: PostgresOptions): Promise<SqlMetadataStore> {
  const max = options.maxConnections ?? 10;
  if (!Number.isInteger(max) || max < 2) throw new RangeError(`maxConnections must be an integer of at least 2, not ${max}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 30_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that breaks (database restart) is dropped by the pool; the next query opens a new one.
  // Without a listener the 'error' event would end the process.
  pool.on('error', () => {});
  // The same for a connection that breaks while checked out but between queries (the janitor's advisory-lock
  // connection, a transaction between statements): pg emits 'error' on the client, which with no listener would end
  // the process; the next query on it fails instead, and the pool drops it when released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const applied = await migrateToLatest(db, postgresTraits);
    return new SqlMetadataStore(db, postgresTraits, new AdvisoryLockExclusion(pool), applied);
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
