/** What every domain service is built from: the two stores, the policy, a clock, a logger and an events watcher. */
import type { BlobStore } from '../store/blob-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { DomainEvents } from './events.js';
import type { UploadPolicy } from './options.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DomainContext {
  meta: MetadataStore;
  blobs: BlobStore;
  policy: UploadPolicy;
  now(): Date;
  log: Logger;
  /** Who is told what happens (metrics); nobody when absent. */
  events?: DomainEvents;
}
