/**
 * `exclusively` across every instance sharing one PostgreSQL database: a session-level advisory lock taken with
 * pg_try_advisory_lock on a connection kept out of the pool for the task's duration. Session-level (not
 * transaction-level) so the task's own queries can run on other connections; PostgreSQL drops the lock when that
 * connection ends, so a process that dies never leaves it held.
 */
import type { Pool, PoolClient } from 'pg';
import type { Exclusion } from '../sql/exclusion.js';

export class AdvisoryLockExclusion implements Exclusion {
  constructor(private readonly pool: Pool) {}

  async run<T>(name: string, task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const client = await this.pool.connect();
    let locked = false;
    let broken: Error | undefined;
    try {
      locked = await this.tryLock(client, name);
      if (!locked) return { ran: false };
      return { ran: true, value: await task() };
    } finally {
      if (locked) broken = await this.unlock(client, name);
      // A connection whose unlock failed may still hold the lock: destroy it rather than pool it.
      client.release(broken);
    }
  }

  private async tryLock(client: PoolClient, name: string): Promise<boolean> {
    // The two-key form keeps Tranche's locks apart from single-bigint keys other tools (Kysely's Migrator) use.
    const result = await client.query<{ locked: boolean }>("select pg_try_advisory_lock(hashtext('tranche'), hashtext($1)) as locked", [name]);
    return result.rows[0]?.locked === true;
  }

  private async unlock(client: PoolClient, name: string): Promise<Error | undefined> {
    try {
      await client.query("select pg_advisory_unlock(hashtext('tranche'), hashtext($1))", [name]);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
