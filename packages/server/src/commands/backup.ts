/**
 * `tranche backup DIR` and `tranche restore DIR` for the embedded stores (SQLite + files under --data-dir). The
 * backup is online: the database is copied first with SQLite's backup API (a consistent snapshot while the server
 * writes), then the blobs. Committed blobs never change and are only removed with their files, so every version the
 * snapshot names is copied whole; the copy is then checked against the snapshot (each version's blob present, at
 * its size). In-progress uploads are copied as they are. PostgreSQL + S3: see docs/OPERATIONS.md (pg_dump and
 * bucket versioning).
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { backupSqlite, storedBlobsOf } from '../store/sqlite/sqlite-backup.js';
import { databaseKind, openMetadataStore } from '../stores.js';
import { bytes, withStoreFlags, type StoreFlags } from './admin-io.js';

/** Blob folders that hold nothing to keep: half-written temporary files, readiness probes. */
const SKIP = new Set(['tmp', 'health']);

export function backupCommands(program: Command): void {
  withStoreFlags(program.command('backup').argument('<dir>', 'new or empty directory for the backup').description('online copy of the embedded stores (SQLite + blobs) into DIR')).action(
    async (dir: string, flags: StoreFlags) => {
      const summary = await backup(flags, dir);
      console.log(flags.json ? JSON.stringify(summary) : `backed up ${summary.versions} file version(s), ${summary.files} blob file(s), ${bytes(summary.bytes)} to ${dir}`);
    },
  );
  withStoreFlags(
    program
      // Not `restore`: that is the trash's (`tranche restore PATH`, a file or folder back from the trash).
      .command('restore-backup')
      .argument('<dir>', 'a directory made by tranche backup')
      .option('--force', 'replace the database already in --data-dir')
      .description('restore a backup into --data-dir (the server must be stopped), then apply pending migrations'),
  ).action(async (dir: string, flags: StoreFlags & { force?: boolean }) => {
    const summary = await restore(flags, dir);
    console.log(flags.json ? JSON.stringify(summary) : `restored ${summary.files} blob file(s), ${bytes(summary.bytes)} into ${flags.dataDir}; run tranche fsck to verify every file`);
  });
}

function embeddedOnly(flags: StoreFlags): void {
  if (databaseKind(flags) !== 'sqlite' || (flags.database ?? '').startsWith('sqlite:') || (flags.blob ?? '') !== '') {
    throw new Error('backup and restore cover the embedded stores (SQLite and blobs under --data-dir); for PostgreSQL + S3 see docs/OPERATIONS.md');
  }
}

export async function backup(flags: StoreFlags, dir: string): Promise<{ versions: number; files: number; bytes: number; migrations: string[] }> {
  embeddedOnly(flags);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new Error(`${dir} is not empty`);
  const database = path.join(dir, 'tranche.db');
  await backupSqlite(path.join(flags.dataDir, 'tranche.db'), database);
  const copied = await copyTree(path.join(flags.dataDir, 'blobs'), path.join(dir, 'blobs'));
  const { versions, migrations } = storedBlobsOf(database);
  const missing: string[] = [];
  for (const version of versions) {
    const size = (await stat(path.join(dir, 'blobs', version.key)).catch(() => undefined))?.size;
    if (size !== Number(version.size)) missing.push(version.key);
  }
  if (missing.length > 0) throw new Error(`the backup lacks the blobs of ${missing.length} file version(s), e.g. ${missing[0]}: was a file deleted meanwhile? Run it again`);
  const summary = { createdAt: new Date().toISOString(), versions: versions.length, ...copied, migrations };
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

export async function restore(flags: StoreFlags & { force?: boolean }, dir: string): Promise<{ files: number; bytes: number }> {
  embeddedOnly(flags);
  await stat(path.join(dir, 'manifest.json')).catch(() => {
    throw new Error(`${dir} is not a backup made by tranche backup (no manifest.json)`);
  });
  const target = path.join(flags.dataDir, 'tranche.db');
  if (!flags.force && (await stat(target).catch(() => undefined))) throw new Error(`${target} exists: stop the server and pass --force to replace it`);
  await mkdir(flags.dataDir, { recursive: true });
  // A write-ahead log left from the replaced database would be replayed into the restored one.
  for (const suffix of ['-wal', '-shm']) await rm(`${target}${suffix}`, { force: true });
  await copyFile(path.join(dir, 'tranche.db'), target);
  const copied = await copyTree(path.join(dir, 'blobs'), path.join(flags.dataDir, 'blobs'));
  const meta = await openMetadataStore(flags); // applies the migrations a newer version brings
  await meta.close();
  return copied;
}

/** Copies the regular files under `from` to `to` (reflinks where the file system has them). */
async function copyTree(from: string, to: string, top = true): Promise<{ files: number; bytes: number }> {
  const total = { files: 0, bytes: 0 };
  const entries = await readdir(from, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  await mkdir(to, { recursive: true });
  for (const entry of entries) {
    if (top && SKIP.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) {
      const inner = await copyTree(source, path.join(to, entry.name), false);
      total.files += inner.files;
      total.bytes += inner.bytes;
    } else if (entry.isFile()) {
      try {
        await copyFile(source, path.join(to, entry.name), constants.COPYFILE_FICLONE);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // an upload released meanwhile
        throw error;
      }
      total.files++;
      total.bytes += (await stat(path.join(to, entry.name))).size;
    }
  }
  return total;
}
