/**
 * The records the metadata store keeps and the shapes its writes take and answer with: users, tokens, items,
 * versions, upload sessions, parts, pages, and the conflicts the domain turns into Box errors.
 */

export interface UserRecord {
  id: string;
  name: string;
  login: string;
  /** Bytes this user may store, overriding the server's quota; null or absent: the server's. */
  quota?: number | null;
}

/** A bearer token as the store knows it: never the token itself, only its SHA-256. */
export interface TokenRecord {
  /** SHA-256 of the token, hex. */
  hash: string;
  userId: string;
  userName: string;
  createdAt: Date;
  /** null: the token does not expire. */
  expiresAt: Date | null;
  /** null: not revoked. */
  revokedAt: Date | null;
}

export type ItemType = 'file' | 'folder';

export interface ItemRecord {
  id: string;
  type: ItemType;
  ownerId: string;
  /** '0' is each user's root folder, which has no record of its own. */
  parentId: string;
  name: string;
  description: string;
  /** Incremented on every change of the item; rendered as `etag` and `sequence_id`. */
  etag: number;
  createdAt: Date;
  modifiedAt: Date;
  contentCreatedAt: Date;
  contentModifiedAt: Date;
  /** Files only: the current version. */
  versionId: string | null;
  /** When the item went to the trash (directly or with a folder above it); null while live. */
  trashedAt: Date | null;
  /** The item a delete was asked for (it shows in the trash listing); false for what went with it. */
  trashTop: boolean;
}

export interface VersionRecord {
  id: string;
  fileId: string;
  sha1: string;
  size: number;
  blobKey: string;
  createdAt: Date;
  /** Set when this (non-current) version was moved to the trash on its own. */
  trashedAt: Date | null;
  /** When the integrity check found the stored bytes wrong (downloads are refused); null or absent while right. */
  corruptAt?: Date | null;
}

export interface FileRecord extends ItemRecord {
  type: 'file';
  versionId: string;
  version: VersionRecord;
}

export type SessionState = 'active' | 'committed' | 'aborted';

export interface SessionRecord {
  id: string;
  ownerId: string;
  /** Target folder of a new file; for a new version, the file's folder at creation. */
  folderId: string;
  /** Set when the session uploads a new version of an existing file. */
  fileId: string | null;
  fileName: string;
  fileSize: number;
  partSize: number;
  totalParts: number;
  state: SessionState;
  createdAt: Date;
  expiresAt: Date;
  blobKey: string;
  /** Blob-store handle of the multipart upload (S3 UploadId); null for stores that need none. */
  blobUploadId: string | null;
  /** Bytes [0, hashedBytes) are folded into `hashState`, the serialised whole-file SHA-1. */
  hashedBytes: number;
  hashState: Uint8Array | null;
  /** How many commits in a row answered 202 (bounded: the SDKs give up after 5 attempts). */
  pendingCommits: number;
  committedFileId: string | null;
  /** The blob was released (abort or expiry) by the janitor or the abort itself. */
  purged: boolean;
  /**
   * The blob store's upload was completed (its bytes are readable as the object `blobKey`) before the commit
   * transaction; set when the whole-file hash must be finished by reading the object back (stores that cannot
   * read an incomplete upload, such as S3, once no instance holds the missing bytes locally).
   */
  uploadCompleted: boolean;
}

export interface PartRecord {
  sessionId: string;
  partId: string;
  offset: number;
  size: number;
  sha1: string;
  /** Blob-store receipt of the part (S3 ETag); null when the store needs none. */
  etag: string | null;
}

export interface ListPage<T> {
  total: number;
  entries: T[];
}

export type ItemSort = 'id' | 'name' | 'date' | 'size';

export interface NewFile {
  ownerId: string;
  parentId: string;
  name: string;
  description: string;
  contentCreatedAt: Date;
  contentModifiedAt: Date;
  sha1: string;
  size: number;
  blobKey: string;
}

export interface NewVersion {
  fileId: string;
  ownerId: string;
  /** A new name for the file, or undefined to keep it. */
  name?: string;
  description?: string;
  contentModifiedAt: Date;
  /** When set, the file's etag must still equal it (If-Match). */
  ifMatchEtag?: number;
  sha1: string;
  size: number;
  blobKey: string;
}

/** Outcomes that the domain turns into Box errors. */
export type WriteConflict =
  | { kind: 'name_in_use'; existing: ItemRecord }
  | { kind: 'parent_missing' }
  | { kind: 'file_missing' }
  | { kind: 'etag_mismatch' }
  /** The item does not exist (or is not in the state the operation needs: live, or trashed for restore/purge). */
  | { kind: 'item_missing' }
  /** A folder would move or be copied into itself or below itself. */
  | { kind: 'cycle' }
  /** A folder with children was deleted without `recursive`. */
  | { kind: 'folder_not_empty' }
  /** The version does not exist, is the current one where that is not allowed, or is in the wrong trash state. */
  | { kind: 'version_missing' }
  /** The current version cannot be trashed on its own (trash the file). */
  | { kind: 'version_current' }
  /** The operation would touch more items than one transaction may (copy of a huge tree). */
  | { kind: 'too_many_items'; limit: number }
  /** A copy would take the owner past `maxBytes`. */
  | { kind: 'storage_limit' }
  | { kind: 'quota_exceeded'; used: number; requested: number; limit: number };

/**
 * A storage quota to enforce inside a write, atomically with it: stored versions plus the reservations of sessions
 * active and unexpired at `now`, plus the new bytes, must stay within `limit`.
 */
export interface QuotaCheck {
  limit: number;
  now: Date;
}

/** Where a keyset page starts: after this (type, name key[, id]) in listing order. */
export interface ListMarker {
  type: ItemType;
  nameKey: string;
  /** Trash listings only: names repeat in the trash, so the id breaks ties. */
  id?: string;
}

export interface KeysetPage<T> {
  entries: T[];
  /** Marker of the last entry when more may follow; null at the end. */
  next: ListMarker | null;
}

export interface ItemChanges {
  name?: string;
  parentId?: string;
  description?: string;
  contentModifiedAt?: Date;
  /** When set, the item's etag must still equal it (If-Match). */
  ifMatchEtag?: number;
}

export interface CopyTarget {
  parentId: string;
  name?: string;
  now: Date;
  /** Most items the copy may create. */
  maxItems: number;
  /** Most bytes the copy may add to the owner's storage (null: no quota). */
  maxBytes: number | null;
}

/** What a purge freed: blob keys no version names any more (already recorded as garbage). */
export interface Freed {
  blobKeys: string[];
}

export type WriteResult<T> = { ok: true; value: T } | { ok: false; conflict: WriteConflict };

export type CommitOutcome =
  | { ok: true; file: FileRecord; replay: boolean }
  | { ok: false; conflict: WriteConflict | { kind: 'session_not_active'; state: SessionState } | { kind: 'session_released' } };
