/**
 * Opens the stores a configuration names. The embedded default is SQLite + files under the data dir;
 * `--database postgres://…` and `--blob s3://BUCKET?…` select the scale-out stores. Back ends load on demand, so a
 * server on SQLite never loads the AWS SDK and one on PostgreSQL never opens SQLite.
 */
import path from 'node:path';
import type { BlobStore } from './store/blob-store.js';
import type { MetadataStore } from './store/metadata-store.js';

export interface MetaOptions {
  /** Directory for the embedded stores: `tranche.db` and `blobs/` (default ./data). */
  dataDir: string;
  /** `postgres://…` (or `postgresql://`), `sqlite:PATH`, or undefined for `<dataDir>/tranche.db`. */
  database?: string;
}

export interface BlobOptions {
  dataDir: string;
  /** `s3://BUCKET[/prefix]?endpoint=…&forcePathStyle=true&region=…&presign=SECONDS`, `file:DIR`, or undefined for `<dataDir>/blobs`. */
  blob?: string;
  /** Local cache of the parts this instance received, for stores that cannot read an upload back (S3). */
  spoolDir?: string;
}

export type StoreOptions = MetaOptions & BlobOptions;

export type DatabaseKind = 'sqlite' | 'postgres';

export function databaseKind(options: MetaOptions): DatabaseKind {
  const url = options.database;
  if (url === undefined || url === '' || url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new Error(`--database must be postgres://… or sqlite:PATH, not ${JSON.stringify(url)}`);
}

export async function openMetadataStore(options: MetaOptions): Promise<MetadataStore & { appliedMigrations?: string[] }> {
  if (databaseKind(options) === 'postgres') {
    const { openPostgresMetadataStore } = await import('./store/postgres/postgres-metadata-store.js');
    return openPostgresMetadataStore({ connectionString: options.database! });
  }
  const { openSqliteMetadataStore } = await import('./store/sqlite/sqlite-metadata-store.js');
  const filename = options.database?.startsWith('sqlite:') ? options.database.slice('sqlite:'.length) : path.join(options.dataDir, 'tranche.db');
  return openSqliteMetadataStore({ filename });
}

export async function openBlobStore(options: BlobOptions): Promise<BlobStore> {
  const url = options.blob;
  if (url?.startsWith('s3://')) {
    const [{ openS3BlobStore }, { parseS3Location }, { SpoolingBlobStore }] = await Promise.all([
      import('./store/s3/s3-blob-store.js'),
      import('./store/s3/s3-location.js'),
      import('./store/spool/spooling-blob-store.js'),
    ]);
    const s3 = await openS3BlobStore(parseS3Location(url));
    return new SpoolingBlobStore(s3, options.spoolDir ?? path.join(options.dataDir, 'spool'));
  }
  if (url !== undefined && url !== '' && !url.startsWith('file:')) {
    throw new Error(`--blob must be s3://BUCKET?… or file:DIR, not ${JSON.stringify(url)}`);
  }
  const { FsBlobStore } = await import('./store/fs/fs-blob-store.js');
  return FsBlobStore.open({ root: url?.startsWith('file:') ? url.slice('file:'.length) : path.join(options.dataDir, 'blobs') });
}
