export { startTranche, type TrancheServer, type TrancheServerOptions } from './server.js';
export { createDomain, type Domain } from './domain/index.js';
export { resolvePolicy, DEFAULT_POLICY, type UploadPolicy } from './domain/options.js';
export type * from './store/metadata-store.js';
export { canReadUploads, BodyLengthError, StorageFullError, type BlobStore, type UploadReader, type ByteSource, type UploadTarget } from './store/blob-store.js';
export { FsBlobStore } from './store/fs/fs-blob-store.js';
export { openSqliteMetadataStore } from './store/sqlite/sqlite-metadata-store.js';
