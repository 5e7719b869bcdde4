/**
 * Kysely's SQLite dialect, with two changes:
 * - when a statement fails with SQLITE_FULL (or IOERR), SQLite has already rolled the transaction back; Kysely's own
 *   ROLLBACK then fails with "no transaction is active" and that error hides the real one (a full disk must answer
 *   507, not 500). Rollback is skipped when nothing is open.
 * - each use of the connection (one statement, or a whole transaction) hands its result back only after the WAL
 *   flush that makes it durable (wal-sync.ts), awaited after the connection is released so that others go on.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import type { WalSync } from './wal-sync.js';

/** Kysely's own statements around a transaction: they decide nothing about whether it wrote. */
const TRANSACTION_CONTROL = /^\s*(begin|commit|rollback|savepoint|release)\b/i;

class DurableSqliteDriver extends SqliteDriver {
  /** Whether the use of the connection now ending changed the database (or may have: raw statements count). */
  private wrote = false;

  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly wal: WalSync | undefined,
  ) {
    super({ database });
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.wrote = false;
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        if (query.query.kind !== 'SelectQueryNode' && !TRANSACTION_CONTROL.test(query.sql)) this.wrote = true;
        return connection.executeQuery<R>(query);
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }

  override async releaseConnection(): Promise<void> {
    // Registered before the connection is free, so a read that follows finds this flush in flight.
    const durable = !this.wal ? undefined : this.wrote && !this.database.inTransaction ? this.wal.afterWrite() : this.wal.afterRead();
    await super.releaseConnection();
    await durable;
  }

  override async destroy(): Promise<void> {
    await this.wal?.close();
    await super.destroy();
  }
}

export class DurableSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly wal?: WalSync,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new DurableSqliteDriver(this.database, this.wal);
  }
}
