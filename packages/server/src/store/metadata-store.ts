/**
 * The records Tranche keeps (users, folders, files, versions, upload sessions, parts) behind one small
 * interface. Every method is atomic; the implementations (SQLite now, PostgreSQL later) share the contract
 * and its conformance suite. Domain code never sees SQL.
 */

import type {
  UserRecord,
  TokenRecord,
  ItemType,
  ItemRecord,
  VersionRecord,
  FileRecord,
  SessionState,
  SessionRecord,
  PartRecord,
  ListPage,
  ItemSort,
  NewFile,
  NewVersion,
  WriteConflict,
  QuotaCheck,
  ListMarker,
  KeysetPage,
  ItemChanges,
  CopyTarget,
  Freed,
  WriteResult,
  CommitOutcome,
} from './metadata-records.js';

export type * from './metadata-records.js';

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
