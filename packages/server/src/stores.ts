/** Opens the metadata and blob stores a configuration names (the embedded default: SQLite + files under the data dir). */
import path from 'node:path';
import type { BlobStore } from './store/blob-store.js';
import { FsBlobStore } from './store/fs/fs-blob-store.js';
import type { MetadataStore } from './store/metadata-store.js';
import { openSqliteMetadataStore } from './store/sqlite/sqlite-metadata-store.js';

export interface StoreOptions {
  /** Directory for the embedded stores: `tranche.db` and `blobs/` (default ./data). */
  dataDir: string;
}

export async function openMetadataStore(options: StoreOptions): Promise<MetadataStore> {
  return openSqliteMetadataStore({ filename: path.join(options.dataDir, 'tranche.db') });
}

export async function openBlobStore(options: StoreOptions): Promise<BlobStore> {
  return FsBlobStore.open({ root: path.join(options.dataDir, 'blobs') });
}
