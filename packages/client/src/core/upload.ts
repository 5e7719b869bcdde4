/**
 * `uploadFile`: the one entry point for uploads. Files below `minChunkedSize` (and empty files) go through a
 * simple multipart upload; the rest through an upload session, resumable when a ResumeStore is given and the
 * source has an identity.
 */
import { DEFAULT_MIN_CHUNKED_SIZE, type BoxFile } from '@tranche/protocol';
import { chunkedUpload } from './chunked.js';
import { resolveConfig, type ClientConfig, type ClientOptions } from './config.js';
import { IntegrityError, TrancheApiError } from './errors.js';
import type { Progress, UploadEvent } from './events.js';
import { ProgressTracker } from './progress.js';
import { resumeKey, type ResumeStore } from './resume.js';
import type { RetryNotice } from './retry.js';
import type { Destination } from './sessions.js';
import { simpleUpload } from './simple.js';
import type { UploadSource } from './source.js';

export interface UploadOptions extends ClientOptions {
  /** Folder to create the file in. Default '0' (the root) when no `fileId` is given. */
  folderId?: string | undefined;
  /** Upload a new version of this file instead of a new file. */
  fileId?: string | undefined;
  /** Name on the server. Default: the source's name for a new file; the current name for a new version. */
  name?: string | undefined;
  /** Parts in flight at once. Default 4. */
  parallel?: number | undefined;
  /** Files smaller than this go through a simple upload. Default 20,000,000 (Box's minimum). */
  minChunkedSize?: number | undefined;
  /** Where interrupted uploads are remembered. None: not resumable. */
  resumeStore?: ResumeStore | undefined;
  /** Sent as the file's `content_modified_at`. Default: the source's lastModified, when known. */
  contentModifiedAt?: Date | undefined;
  onEvent?: ((event: UploadEvent) => void) | undefined;
  onProgress?: ((progress: Progress) => void) | undefined;
}

export async function uploadFile(source: UploadSource, options: UploadOptions): Promise<BoxFile> {
  const config = resolveConfig(options);
  const destination = resolveDestination(options);
  const name = targetName(source, options, destination);
  if (destination.folderId !== undefined && !name) throw new TypeError('a name is required to upload a new file');
  const parallel = options.parallel ?? 4;
  if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError(`parallel must be a positive integer, got ${parallel}`);
  const minChunkedSize = options.minChunkedSize ?? DEFAULT_MIN_CHUNKED_SIZE;
  const emit = (event: UploadEvent): void => options.onEvent?.(event);
  const retryNotice = (what: string) => (notice: RetryNotice) => emit(retryEvent(what, notice));
  const progress = new ProgressTracker(source.size, options.onProgress);
  const modified = options.contentModifiedAt ?? (source.lastModified !== undefined ? new Date(source.lastModified) : undefined);
  const attributes = modified ? { content_modified_at: rfc3339(modified) } : undefined;

  const simple = async (): Promise<BoxFile> => {
    emit({ type: 'started', mode: 'simple', size: source.size, name: name ?? source.name ?? '' });
    const { file, sha1 } = await simpleUpload({
      config,
      source,
      destination,
      name,
      attributes,
      onRetry: retryNotice('upload'),
      onProgress: (sent) => progress.sending(0, sent),
    });
    progress.done(0, source.size);
    check(file, sha1);
    emit({ type: 'committed', fileId: file.id, name: file.name, size: file.size, sha1: file.sha1 });
    return file;
  };

  if (source.size === 0 || source.size < minChunkedSize) return simple();
  const key = uploadResumeKey(source, options);
  try {
    return await chunkedUpload({
      config,
      source,
      destination,
      name,
      parallel,
      store: options.resumeStore,
      key,
      attributes,
      emit,
      progress,
      retryNotice,
    });
  } catch (error) {
    // The server's chunked minimum is higher than ours: fall back to a simple upload.
    if (error instanceof TrancheApiError && error.code === 'file_size_too_small') return simple();
    throw error;
  }
}

function check(file: BoxFile, sha1: string): void {
  if (typeof file.sha1 === 'string' && file.sha1.toLowerCase() !== sha1) throw new IntegrityError(`uploaded file ${file.id}`, file.sha1, sha1);
}

/**
 * The key `uploadFile(source, options)` files its resume state under in `options.resumeStore` (undefined when the
 * upload is not resumable): for callers that keep something of their own beside it.
 */
export function uploadResumeKey(source: UploadSource, options: UploadOptions): string | undefined {
  if (!options.resumeStore || !source.id) return undefined;
  const destination = resolveDestination(options);
  return resumeKey(resolveConfig(options).uploadUrl, destination, source.id, targetName(source, options, destination));
}

/** A new version keeps the server's name unless one is given; a new file takes the source's name. */
function targetName(source: UploadSource, options: UploadOptions, destination: Destination): string | undefined {
  return destination.fileId !== undefined ? options.name : (options.name ?? source.name);
}

export function resolveDestination(options: Pick<UploadOptions, 'folderId' | 'fileId'>): Destination {
  if (options.fileId !== undefined && options.folderId !== undefined) throw new TypeError('give folderId or fileId, not both');
  return options.fileId !== undefined ? { fileId: options.fileId } : { folderId: options.folderId ?? '0' };
}

function retryEvent(what: string, notice: RetryNotice): UploadEvent {
  const error = notice.error;
  return {
    type: 'retry',
    what,
    attempt: notice.attempt,
    delayMs: notice.delayMs,
    message: error instanceof Error ? error.message : String(error),
    ...(error instanceof TrancheApiError ? { status: error.status, code: error.code } : {}),
  };
}

/** RFC 3339 with whole seconds and a Z, as Box writes them. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type { ClientConfig };
