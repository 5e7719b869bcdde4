/** @tranche/client/core: the environment-free client (inject transport, hasher, resume store). */
export * from './config.js';
export * from './errors.js';
export * from './events.js';
export * from './files.js';
export * from './hasher.js';
export { assertTokenTarget, isTrusted, tokenOrigins, type TokenOrigins } from './origins.js';
export { fetchTransport } from './fetch-transport.js';
export * from './resume.js';
export * from './retry.js';
export { TaskPool } from './queue.js';
export { RateMeter } from './rate-meter.js';
export * from './source.js';
export * from './transport.js';
export { uploadFile, uploadResumeKey, resolveDestination, type UploadOptions } from './upload.js';
export { PartConflictError, uploadPart, type PartData, type PartResult, type PartTarget } from './parts.js';
export { abortSessionUrl, getSession, listAllParts, sessionUrl, type Destination } from './sessions.js';
export * from './items.js';
export * from './paths.js';
