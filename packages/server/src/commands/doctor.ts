/**
 * `tranche doctor`: checks a configuration before (or while) serving it: the stores answer, the schema is current,
 * the disks have room, the database's clock agrees with this machine's, and the data directory's permissions are
 * sane. Prints one row per check; exits 1 when any check fails (warnings do not).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { Readiness } from '../observability/readiness.js';
import { DEFAULT_MIN_FREE_DISK_BYTES } from '../server.js';
import { databaseKind } from '../stores.js';
import { printRows, withDomain, withStoreFlags, type StoreFlags } from './admin-io.js';
import { integer } from './options.js';

/** Clock skew beyond which session expiry and claim leases across instances go wrong. */
const SKEW_FAIL_MS = 5_000;
const SKEW_WARN_MS = 1_000;

type Status = 'ok' | 'warn' | 'fail';
interface Check {
  check: string;
  status: Status;
  detail: string;
}

export function doctorCommand(program: Command): void {
  withStoreFlags(
    program
      .command('doctor')
      .description('check the configuration: stores reachable, schema, disk space, clock skew, permissions')
      .addOption(new Option('--min-free-disk <bytes>', 'free space required (default 1073741824)').env('TRANCHE_MIN_FREE_DISK').argParser(integer(0))),
  ).action(async (flags: StoreFlags & { minFreeDisk?: number }) => {
    const checks = await diagnose(flags);
    printRows(flags, checks.map((c) => ({ ...c })), 'no checks', { ok: !checks.some((c) => c.status === 'fail'), checks });
    if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
  });
}

export async function diagnose(flags: StoreFlags & { minFreeDisk?: number }): Promise<Check[]> {
  const checks: Check[] = [];
  const kind = databaseKind(flags);
  checks.push({
    check: 'config',
    status: 'ok',
    detail: `metadata: ${kind === 'postgres' ? redact(flags.database!) : `SQLite in ${flags.database?.slice('sqlite:'.length) ?? flags.dataDir}`}; blobs: ${flags.blob ?? `files in ${path.join(flags.dataDir, 'blobs')}`}`,
  });
  try {
    await withDomain(flags, async (domain, ops, blobs) => {
      const migrations = await ops.appliedMigrations();
      checks.push({ check: 'schema', status: 'ok', detail: `${migrations.length} migrations applied, latest ${migrations[migrations.length - 1] ?? 'none'}` });
      const readiness = new Readiness({
        pingMetadata: () => ops.ping(),
        blobs,
        probeKey: 'health/doctor',
        disks: localDirs(flags, kind),
        minFreeBytes: flags.minFreeDisk ?? DEFAULT_MIN_FREE_DISK_BYTES,
      });
      for (const c of (await readiness.report()).checks) {
        if (c.name !== 'shutdown') checks.push({ check: c.name, status: c.ok ? 'ok' : 'fail', detail: c.detail });
      }
      const before = Date.now();
      const dbTime = await ops.databaseTime();
      const local = (before + Date.now()) / 2;
      if (dbTime === null) {
        checks.push({ check: 'clock', status: 'ok', detail: 'SQLite: the database uses this machine’s clock' });
      } else {
        const skew = dbTime.getTime() - local;
        const status: Status = Math.abs(skew) > SKEW_FAIL_MS ? 'fail' : Math.abs(skew) > SKEW_WARN_MS ? 'warn' : 'ok';
        checks.push({ check: 'clock', status, detail: `database clock ${skew >= 0 ? '+' : ''}${Math.round(skew)} ms from this machine’s (fail beyond ±${SKEW_FAIL_MS} ms)` });
      }
      const corrupt = await ops.corruptVersions();
      checks.push({ check: 'integrity', status: corrupt.length ? 'fail' : 'ok', detail: corrupt.length ? `${corrupt.length} file version(s) known corrupt: run tranche fsck --repair-report` : 'no file version known corrupt' });
      void domain;
    });
  } catch (error) {
    checks.push({ check: 'stores', status: 'fail', detail: `cannot open the stores: ${(error as Error).message.split('\n')[0]}` });
  }
  checks.push(...(await permissions(flags, kind)));
  return checks;
}

function localDirs(flags: StoreFlags, kind: string): string[] {
  const dirs: string[] = [];
  if (kind === 'sqlite') dirs.push(flags.database?.startsWith('sqlite:') ? path.dirname(flags.database.slice('sqlite:'.length)) : flags.dataDir);
  if (flags.blob?.startsWith('s3://')) dirs.push(flags.spoolDir ?? path.join(flags.dataDir, 'spool'));
  else dirs.push(flags.blob?.startsWith('file:') ? flags.blob.slice('file:'.length) : path.join(flags.dataDir, 'blobs'));
  return dirs;
}

/** The data directory is not writable by others; the database file is not readable by others (it holds token digests and names). */
async function permissions(flags: StoreFlags, kind: string): Promise<Check[]> {
  const checks: Check[] = [];
  const dir = await stat(flags.dataDir).catch(() => undefined);
  if (dir) {
    const mode = dir.mode & 0o777;
    checks.push({
      check: 'permissions:data-dir',
      status: mode & 0o002 ? 'fail' : 'ok',
      detail: `${flags.dataDir} mode ${mode.toString(8)} owner uid ${dir.uid}${mode & 0o002 ? ': writable by every user' : ''}`,
    });
  }
  if (kind === 'sqlite') {
    const file = flags.database?.startsWith('sqlite:') ? flags.database.slice('sqlite:'.length) : path.join(flags.dataDir, 'tranche.db');
    const db = await stat(file).catch(() => undefined);
    if (db) {
      const mode = db.mode & 0o777;
      checks.push({ check: 'permissions:database', status: mode & 0o004 ? 'warn' : 'ok', detail: `${file} mode ${mode.toString(8)}${mode & 0o004 ? ': readable by every user (chmod 600)' : ''}` });
    }
  }
  return checks;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
