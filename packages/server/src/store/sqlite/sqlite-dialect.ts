/**
 * Kysely's SQLite dialect, with one fix: when a statement fails with SQLITE_FULL (or IOERR), SQLite has already
 * rolled the transaction back; Kysely's own ROLLBACK then fails with "no transaction is active" and that error
 * hides the real one (a full disk must answer 507, not 500). Rollback is skipped when nothing is open.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

class RollbackTolerantDriver extends SqliteDriver {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

export class RollbackTolerantSqliteDialect extends SqliteDialect {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database });
  }

  override createDriver(): Driver {
    return new RollbackTolerantDriver(this.database);
  }
}
