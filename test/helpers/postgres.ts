/**
 * Throwaway PostgreSQL databases for tests: each call creates a database with a unique name through the admin URL
 * in TRANCHE_TEST_PG_URL (a role with CREATEDB, member of pg_signal_backend: see scripts/ensure-postgres.sh) and
 * drops it, with its open connections, on `drop()`.
 * The databases collate text by a natural-language locale (ICU en-US), as production databases usually do, so a
 * query that relies on bytewise ordering fails here rather than in production.
 * An unreachable server fails the test with the way to start one; tests never skip for want of PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env['TRANCHE_TEST_PG_URL'] ?? 'postgres://tranche:tranche@127.0.0.1:5432/postgres';

export interface ThrowawayDatabase {
  /** Connection string of the new database (same server and role as the admin URL). */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(ADMIN_URL);
    where.password = where.password ? '***' : '';
    throw new Error(
      `PostgreSQL for the tests is not reachable at ${where.href} (${(error as Error).message}). ` +
        'Start it and create the test role with `sudo scripts/ensure-postgres.sh` (Debian: pg_ctlcluster 15 main start), ' +
        'or point TRANCHE_TEST_PG_URL at a server where the role may CREATE DATABASE (and is a member of pg_signal_backend).',
      { cause: error },
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `tranche_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.href,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}
