/** An online, consistent copy of a SQLite database (SQLite's backup API through better-sqlite3), and what it holds. */
import BetterSqlite3 from 'better-sqlite3';

/** Copies the database at `source` to `destination` while other connections keep writing; returns the page count. */
export async function backupSqlite(source: string, destination: string): Promise<number> {
  const database = new BetterSqlite3(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 10000');
    const { totalPages } = await database.backup(destination);
    return totalPages;
  } finally {
    database.close();
  }
}

/** The blob keys and sizes of every stored file version, and the applied migrations, of a database file. */
export function storedBlobsOf(file: string): { versions: Array<{ key: string; size: number }>; migrations: string[] } {
  const database = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const versions = database.prepare('select blob_key as key, size from versions').all() as Array<{ key: string; size: number }>;
    const migrations = (database.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
    return { versions, migrations };
  } finally {
    database.close();
  }
}
