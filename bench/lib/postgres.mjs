/**
 * A throwaway PostgreSQL database for the cluster scenario, created through an admin URL whose role may
 * CREATE DATABASE (BENCH_PG_URL, default the tests' tranche/tranche role on 127.0.0.1:5432) and dropped
 * WITH (FORCE) afterwards, and the CPU its server backends spent (from /proc, like the other processes).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cpuSeconds } from './proc-stats.mjs';

export const ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://tranche:tranche@127.0.0.1:5432/postgres';

async function withClient(url, run) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(url);
    where.password = where.password ? '***' : '';
    throw new Error(`PostgreSQL is not reachable at ${where.href} (${error.message}); start it (Debian: pg_ctlcluster 15 main start) or set BENCH_PG_URL`, { cause: error });
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createThrowawayDatabase() {
  const name = `tranche_bench_${randomBytes(6).toString('hex')}`;
  await withClient(ADMIN_URL, (client) => client.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.href,

    /**
     * CPU seconds (utime+stime) of every backend currently connected to this database, by pid. A backend is a
     * process of the PostgreSQL server; the pools keep theirs open, so before/after differences hold.
     */
    async backendCpu() {
      const { rows } = await withClient(ADMIN_URL, (client) => client.query('select pid from pg_stat_activity where datname = $1', [name]));
      const byPid = new Map();
      for (const { pid } of rows) {
        try {
          byPid.set(pid, await cpuSeconds(pid));
        } catch {
          // gone meanwhile, or /proc not readable for another user's process
        }
      }
      return byPid;
    },

    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(ADMIN_URL, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** CPU spent between two backendCpu() readings; a backend that appeared meanwhile counts from zero. */
export function backendCpuSpent(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
