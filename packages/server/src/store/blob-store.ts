/**
 * Where the bytes live, apart from the records. Keys are made by the domain from generated ids only
 * ([A-Za-z0-9/_-]); no user-supplied name ever becomes part of a key.
 *
 * A chunked upload writes parts into one object laid out so that commit needs no concatenation:
 * on local disk a preallocated file written at each part's offset, on S3 a multipart upload.
 */

export interface ByteSource extends AsyncIterable<Uint8Array> {}

export interface UploadTarget {
  key: string;
  uploadId: string | null;
}

export interface PartPlacement {
  /** 1-based part number (S3 part numbers); index + 1. */
  partNumber: number;
  offset: number;
  size: number;
}

export interface BlobStore {
  /** Smallest size the store accepts for a part other than the last (S3: 5 MiB); undefined when any size goes. */
  readonly minPartSize?: number;
  /** Prepares an upload of `size` bytes; returns the handle to store with the session. */
  createUpload(key: string, size: number, signal?: AbortSignal): Promise<UploadTarget>;
  /**
   * Writes exactly `placement.size` bytes from `body` at the part's place, durably (the bytes are on stable
   * storage when the promise resolves). Throws if the body is shorter or longer. Returns the store's receipt.
   */
  writePart(target: UploadTarget, placement: PartPlacement, body: ByteSource, signal?: AbortSignal): Promise<{ etag: string | null }>;
  /** Turns the upload into the object `target.key`. Idempotent. */
  completeUpload(target: UploadTarget, parts: Array<{ partNumber: number; etag: string | null }>, signal?: AbortSignal): Promise<void>;
  /** Discards an upload and its bytes. Idempotent. */
  abortUpload(target: UploadTarget, signal?: AbortSignal): Promise<void>;

  /** Stores a whole object from a stream; durable when it resolves. */
  put(key: string, body: ByteSource, signal?: AbortSignal): Promise<{ size: number }>;
  /** Reads an object, or the range [start, end] (inclusive). */
  get(key: string, range?: { start: number; end: number }, signal?: AbortSignal): Promise<ByteSource>;
  delete(key: string): Promise<void>;
}

/**
 * Optional capability: read back bytes of an upload that is not complete yet. Stores that have it let the
 * server advance the whole-file SHA-1 in the background as parts arrive out of order.
 */
export interface UploadReader {
  /**
   * Bytes [start, end] (inclusive) of the upload; throws when some of them cannot be read here. The chunks may be
   * views of one reused buffer: each is valid only until the next one is requested (copy what you keep).
   */
  readUpload(target: UploadTarget, start: number, end: number, signal?: AbortSignal): Promise<ByteSource>;
  /**
   * How far, from `start`, the bytes of the upload can be read here, up to `end` (exclusive): returns e with
   * start <= e <= end such that [start, e) is readable. A local file answers `end`; a spool of the parts this
   * instance received answers up to the first part it does not hold.
   */
  readableExtent(target: UploadTarget, start: number, end: number): Promise<number>;
  /** Bytes below `offset` will not be read back again (a spool may drop them). */
  discardBelow?(target: UploadTarget, offset: number): Promise<void>;
}

/** Optional capability: a time-limited URL from which a client can GET the object (ranges allowed). */
export interface PresignedReader {
  /** How long the URLs handed to clients live, as configured. */
  readonly presignSeconds: number;
  presignGet(key: string, expiresInSeconds: number, filename?: string): Promise<string>;
}

/**
 * Optional capability: list the uploads a store holds in a folder, so that uploads no record names (a crash between
 * creating an upload and recording it) can be found and aborted. A store where a completed upload stays in place
 * as its object (local files) lists completed uploads too: only the caller's records tell them apart.
 */
export interface UploadLister {
  /**
   * Uploads with keys `folder/NAME` (NAME one key segment) untouched since before `notTouchedSince`: last written
   * (local files) or created (S3, whose listing gives only the time an upload was initiated; the orphans it is
   * for are never written after their creation anyway).
   */
  listUploads(folder: string, notTouchedSince: Date): AsyncIterable<UploadTarget>;
}

export function canPresign(store: BlobStore): store is BlobStore & PresignedReader {
  return typeof (store as Partial<PresignedReader>).presignGet === 'function';
}

export function canReadUploads(store: BlobStore): store is BlobStore & UploadReader {
  return typeof (store as Partial<UploadReader>).readUpload === 'function';
}

export function canListUploads(store: BlobStore): store is BlobStore & UploadLister {
  return typeof (store as Partial<UploadLister>).listUploads === 'function';
}

/** Thrown by stores when the medium is full; rendered as 507 insufficient_storage. */
export class StorageFullError extends Error {
  constructor(cause?: unknown) {
    super('No space left on the storage device', { cause });
    this.name = 'StorageFullError';
  }
}

/**
 * Thrown by writePart and completeUpload when the store no longer has the upload and never completed it: removed
 * behind Tranche's back (an S3 lifecycle rule, an operator). The parts it held are gone; no retry can succeed.
 */
export class UploadLostError extends Error {
  constructor(
    readonly key: string,
    cause?: unknown,
  ) {
    super(`The store no longer has the upload of ${key}, and it was not completed`, { cause });
    this.name = 'UploadLostError';
  }
}

/** Thrown by writePart when the body does not carry exactly the expected number of bytes. */
export class BodyLengthError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`Request body size didn't match the range: expected ${expected} bytes, received ${received}`);
    this.name = 'BodyLengthError';
  }
}
