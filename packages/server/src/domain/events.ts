/**
 * What the domain tells whoever watches it (metrics, in the server): facts as they happen, with no knowledge of
 * how they are counted. Every method is optional and must not throw; the default watcher ignores everything.
 */

/** Why a part PUT was refused. */
export type PartRejection = 'digest_mismatch' | 'overlap' | 'size' | 'aborted' | 'other';

/** How a commit ended: a file (201), "hashing still catching up" (202), or a refusal. */
export type CommitOutcomeKind = 'created' | 'pending' | 'refused';

export interface DomainEvents {
  sessionCreated?(): void;
  sessionCommitted?(): void;
  /** An active session was aborted by its owner (DELETE). */
  sessionAborted?(): void;
  /** The janitor released an active session past its expiry. */
  sessionExpired?(): void;
  partAccepted?(bytes: number): void;
  partRejected?(reason: PartRejection): void;
  commitFinished?(outcome: CommitOutcomeKind, seconds: number): void;
  /** One janitor pass that ran here: sessions released, their bytes (declared sizes), blobs without a session removed. */
  janitorRan?(report: JanitorReport): void;
  /** A stored file version's bytes no longer match its SHA-1 (fsck), or match again. */
  integrityChecked?(outcome: 'ok' | 'corrupt' | 'unreadable', bytes: number): void;
}

export interface JanitorReport {
  releasedSessions: number;
  freedBytes: number;
  removedOrphans: number;
}

export const NO_EVENTS: DomainEvents = {};
