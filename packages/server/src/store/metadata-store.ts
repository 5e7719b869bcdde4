/**
 * The records Tranche keeps (users, folders, files, versions, upload sessions, parts) behind one small
 * interface. Every method is atomic; the implementations (SQLite now, PostgreSQL later) share the contract
 * and its conformance suite. Domain code never sees SQL.
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

export interface MetadataStore {
  close(): Promise<void>;

  // users and tokens
  ensureUser(name: string): Promise<UserRecord>;
  addToken(userId: string, tokenHash: string, expiresAt?: Date | null): Promise<void>;
  /** The token with this hash and its user, whatever its state (expired and revoked ones too). */
  tokenByHash(tokenHash: string): Promise<{ token: TokenRecord; user: UserRecord } | undefined>;
  /** Tokens whose hash starts with `hashPrefix` (lower-case hex), at most `limit`. */
  tokensByHashPrefix(hashPrefix: string, limit: number): Promise<TokenRecord[]>;
  /** Every token of the user named `userName`, oldest first; undefined when there is no such user. */
  tokensOfUser(userName: string): Promise<TokenRecord[] | undefined>;
  /** Marks the token revoked at `at` unless it already is; true when this call revoked it. */
  revokeToken(tokenHash: string, at: Date): Promise<boolean>;

  // folders and files
  getItem(ownerId: string, id: string): Promise<ItemRecord | undefined>;
  getFile(ownerId: string, id: string): Promise<FileRecord | undefined>;
  getVersion(fileId: string, versionId: string): Promise<VersionRecord | undefined>;
  /** Case-insensitive lookup of a name among a folder's children (files and folders alike). */
  findChild(ownerId: string, parentId: string, name: string): Promise<ItemRecord | undefined>;
  listChildren(
    ownerId: string,
    parentId: string,
    page: { offset: number; limit: number; sort: ItemSort; direction: 'ASC' | 'DESC' },
  ): Promise<ListPage<ItemRecord | FileRecord>>;
  createFolder(ownerId: string, parentId: string, name: string): Promise<WriteResult<ItemRecord>>;
  /** With `quota`: refused (quota_exceeded) unless the file's size fits, decided in the same transaction. */
  createFile(file: NewFile, quota?: QuotaCheck): Promise<WriteResult<FileRecord>>;
  /** With `quota`: refused (quota_exceeded) unless the version's size fits, decided in the same transaction. */
  addVersion(version: NewVersion, quota?: QuotaCheck): Promise<WriteResult<FileRecord>>;
  /** Sum of the sizes of every stored version the user owns. */
  storageUsed(ownerId: string): Promise<number>;
  /** Number of live children of a folder. */
  countChildren(ownerId: string, parentId: string): Promise<number>;
  /** Live children in listing order (folders, then files, each by name key), after `after`; a range scan. */
  listChildrenAfter(ownerId: string, parentId: string, after: ListMarker | null, limit: number): Promise<KeysetPage<ItemRecord | FileRecord>>;
  /** Items a delete was asked for, in listing order (folders, then files, by name key and id). */
  listTrash(ownerId: string, after: ListMarker | null, offset: number, limit: number): Promise<KeysetPage<ItemRecord | FileRecord> & { total: number }>;
  /** Rename, move, describe, touch; live items only. */
  updateItem(ownerId: string, id: string, changes: ItemChanges): Promise<WriteResult<ItemRecord>>;
  /** Moves a live item (and for a folder, everything below it) to the trash, in one transaction. */
  trashItem(ownerId: string, id: string, options: { recursive: boolean; ifMatchEtag?: number; now: Date }): Promise<WriteResult<ItemRecord>>;
  /** Brings a trashed item (and what was trashed with it) back, into its old folder or `parentId`, as `name`. */
  restoreItem(ownerId: string, id: string, options: { parentId?: string; name?: string; now: Date }): Promise<WriteResult<ItemRecord>>;
  /** Deletes a trashed item for good, with everything below it and every version; returns the blobs freed. */
  purgeItem(ownerId: string, id: string): Promise<WriteResult<Freed>>;
  /** Copies a live item (a folder recursively) into `parentId`; versions share blobs (reference counts rise). */
  copyItem(ownerId: string, id: string, target: CopyTarget): Promise<WriteResult<ItemRecord>>;
  /** A file's versions other than the current one, newest first. */
  listVersions(fileId: string, offset: number, limit: number): Promise<ListPage<VersionRecord> & { currentNumber: number }>;
  /** The 1-based number of a version among its file's versions (oldest is 1). */
  versionNumber(fileId: string, versionId: string): Promise<number>;
  /** Makes a copy of a past version the file's current version (sharing its blob). */
  promoteVersion(ownerId: string, fileId: string, versionId: string, now: Date): Promise<WriteResult<FileRecord>>;
  /** Moves a past version to the trash (the current one cannot go). */
  trashVersion(ownerId: string, fileId: string, versionId: string, now: Date): Promise<WriteResult<VersionRecord>>;
  /** Purges items and versions trashed before `before`, up to `limit` of each; returns the blobs freed. */
  purgeExpiredTrash(before: Date, limit: number): Promise<{ purged: number; freed: Freed }>;
  /** Blob keys no version names any more, oldest first: delete them from the blob store, then forgetGarbage. */
  garbageBlobs(limit: number): Promise<string[]>;
  forgetGarbage(blobKey: string): Promise<void>;

  // upload sessions
  /**
   * Records a session. With `quota`, the session's file size is reserved only if it fits (quota_exceeded
   * otherwise), decided in the same transaction: of concurrent creations that together pass the quota, only
   * those that fit succeed.
   */
  createSession(session: SessionRecord, quota?: QuotaCheck): Promise<WriteResult<SessionRecord>>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Records a part unless one already sits at its offset; returns the stored part either way. */
  insertPart(part: PartRecord): Promise<{ inserted: boolean; part: PartRecord } | { inserted: false; sessionState: SessionState | 'missing' }>;
  getPartAt(sessionId: string, offset: number): Promise<PartRecord | undefined>;
  listParts(sessionId: string, offset: number, limit: number): Promise<ListPage<PartRecord>>;
  /** Parts from `fromOffset` on, contiguous or not, in offset order (used to advance the whole-file hash). */
  partsFrom(sessionId: string, fromOffset: number, limit: number): Promise<PartRecord[]>;
  /** Compare-and-set of the whole-file hash progress; false when another writer moved it first. */
  advanceHash(sessionId: string, fromBytes: number, toBytes: number, state: Uint8Array): Promise<boolean>;
  setPendingCommits(sessionId: string, count: number): Promise<void>;
  /**
   * Atomically: session active → committed, and the file (new, or a new version) created from `file`.
   * A session already committed returns its file as a replay. With `quota`, the file's size must fit (the
   * session's own reservation aside), checked again in the transaction: quota_exceeded otherwise.
   */
  commitSession(sessionId: string, file: NewFile | NewVersion, quota?: QuotaCheck): Promise<CommitOutcome>;
  /** active → aborted; returns the state the session is in afterwards, or undefined when missing. */
  abortSession(sessionId: string): Promise<SessionState | undefined>;
  /** Sessions whose bytes can be released: aborted, or active past expiry, and not purged yet (releases begun included). */
  sessionsToPurge(now: Date, limit: number): Promise<SessionRecord[]>;
  /**
   * Starts releasing a session's bytes, atomically with respect to commits: true when the session is aborted, or
   * active and expired at `now`, and not released yet (or when a release was begun and not finished: it is
   * resumed). False when it is live or committed: its bytes must stay. From then on the session counts as purged:
   * no part is recorded and no commit succeeds.
   */
  beginRelease(sessionId: string, now: Date): Promise<boolean>;
  /** The bytes are gone: forget the session's parts and claims; the release is finished. */
  markPurged(sessionId: string): Promise<void>;
  /** Bytes reserved by active, unexpired sessions of a user (for the quota). */
  reservedBySessions(ownerId: string, now: Date): Promise<number>;
  /** Sets `uploadCompleted` (idempotent). */
  markUploadCompleted(sessionId: string): Promise<void>;

  // coordination between instances sharing the store
  /**
   * Claims the right to write the part at (sessionId, offset) until `until`: true when the claim was free, had
   * expired (`until` of the previous holder < now) or was already `holder`'s (then its expiry is extended: this
   * is also how a holder renews). False while another holder's claim is live.
   */
  claimPart(sessionId: string, offset: number, holder: string, now: Date, until: Date): Promise<boolean>;
  /** Drops the claim if `holder` still has it; a no-op otherwise. */
  releasePart(sessionId: string, offset: number, holder: string): Promise<void>;
  /**
   * Runs `task` unless another process sharing the store is running a task of the same name; the exclusion is
   * released when the task settles or the process dies. Returns whether it ran.
   */
  exclusively<T>(name: string, task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}
