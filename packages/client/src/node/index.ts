/** @tranche/client for Node: the core plus a file source, node:http transport, node:crypto SHA-1 and an on-disk resume store. */
export * from '../core/index.js';
export { uploadFile, type UploadOptions } from './upload.js';
export { downloadFile, streamDownload, type DownloadOptions, type DownloadResult } from './download.js';
export { openFileSource, type FileSource } from './file-source.js';
export { MAX_LOCAL_NAME_BYTES, safeLocalName } from './local-name.js';
export { nodeHttpTransport, type NodeTransportOptions } from './http-transport.js';
export { nodeSha1 } from './sha1.js';
export { defaultStateDir, fileResumeStore, type FileResumeStore } from './state-store.js';
export { withNodeDefaults } from './defaults.js';
export { abortSession, createFolder, getFile, listFolder } from './api.js';
