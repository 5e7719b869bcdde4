/**
 * What operators need from the records beyond serving uploads: health, users, sessions and the integrity check's
 * findings. An optional capability of a MetadataStore (both SQL stores have it), checked at wiring time.
 */
import type { MetadataStore } from './metadata-store.js';

export interface UserSummary {
  id: string;
  name: string;
  createdAt: Date;
  /** Bytes the user may store; null: the server's --user-quota applies. */
  quota: number | null;
  disabled: boolean;
  /** Bytes of every stored version the user owns. */
  usedBytes: number;
  files: number;
  tokens: number;
}

/** A session's state as an operator sees it: `expired` is an active session past its expiry. */
export type SessionStatus = 'active' | 'committed' | 'aborted' | 'expired';

export interface SessionSummary {
  id: string;
  userName: string;
  fileName: string;
  fileSize: number;
  parts: number;
  totalParts: number;
  status: SessionStatus;
  /** The bytes were released (aborted or expired sessions). */
  released: boolean;
  createdAt: Date;
  expiresAt: Date;
}

/** One stored file version, as the integrity check reads it. */
export interface StoredVersion {
  versionId: string;
  fileId: string;
  fileName: string;
  /** The owner's user name. */
  ownerName: string;
  /** Whether it is the file's current version. */
  current: boolean;
  sha1: string;
  size: number;
  blobKey: string;
  verifiedAt: Date | null;
  corruptAt: Date | null;
  corruptDetail: string | null;
}

export interface OperationsStore {
  /** Runs a trivial query; throws when the database does not answer. */
  ping(): Promise<void>;
  /** The database server's clock (PostgreSQL); null when the database is a file on this machine (SQLite). */
  databaseTime(): Promise<Date | null>;
  /** Names of the schema migrations applied, in order. */
  appliedMigrations(): Promise<string[]>;
  /** Active sessions not past their expiry at `now`. */
  countOpenSessions(now: Date): Promise<number>;

  listUsers(): Promise<UserSummary[]>;
  /** Creates the user; false when the name is taken. */
  createUser(name: string): Promise<boolean>;
  /** Sets (or with null, clears) a user's quota; false when there is no such user. */
  setQuota(name: string, bytes: number | null): Promise<boolean>;
  /** Disables (or enables) a user; a disabled user's tokens stop authenticating. False when there is no such user. */
  setDisabled(name: string, disabled: boolean, at: Date): Promise<boolean>;

  listSessions(filter: { user?: string; status?: SessionStatus; limit: number }, now: Date): Promise<SessionSummary[]>;

  /** Versions ordered by id after `afterId`, optionally of one user. */
  storedVersions(filter: { user?: string; afterId?: string; limit: number }): Promise<StoredVersion[]>;
  /** Records what the integrity check found: right (clears an earlier finding) or wrong, with what was seen. */
  recordCheck(versionId: string, at: Date, corrupt: string | null): Promise<void>;
  /** Versions known corrupt now. */
  corruptVersions(): Promise<StoredVersion[]>;
}

export function hasOperations(store: MetadataStore): store is MetadataStore & { operations(): OperationsStore } {
  return typeof (store as Partial<{ operations: unknown }>).operations === 'function';
}

export function operationsOf(store: MetadataStore): OperationsStore {
  if (!hasOperations(store)) throw new Error('this metadata store has no operations interface');
  return store.operations();
}
