/**
 * Commit (spec §4.6), in the recommended order of checks: state, Digest, body, parts, whole-file hash, preconditions,
 * name and quota, then one transaction that creates the file (or version) and marks the session committed.
 */
import { BoxError, hexToBase64, invalidParameter, parseShaDigest, type Files } from '@tranche/protocol';
import { UploadLostError } from '../store/blob-store.js';
import type { FileRecord, NewFile, NewVersion, PartRecord, SessionRecord, UserRecord } from '../store/metadata-store.js';
import { describeAt, partIdAt, sha1Matches, tokensAllowed, type CommitBody, type JsonLimits, type ListedParts } from './commit-body.js';
import type { DomainContext } from './context.js';
import { crashPoint } from './crash-points.js';
import type { FileViews } from './file-views.js';
import { conflictError, quotaCheck } from './item-checks.js';
import { readCommitAttributesValue } from './bodies.js';
import type { PartClaims } from './part-claims.js';
import { isExpired, sessionFor } from './session-access.js';
import type { UploadSessions } from './upload-sessions.js';
import type { WholeFileHasher } from './whole-file-hash.js';

/** Commits answer 202 at most this many times in a row; after that a commit waits for the hash however long. */
const MAX_PENDING_COMMITS = 3;
/** How often a waiting commit looks at the hash progress that other instances may be making. */
const HASH_POLL_MS = 20;
/** A single instance's commit waits on its own fold, looking at the clock this often (for its deadline). */
const HASH_WAIT_SLICE_MS = 1_000;
/** A prefix that has not moved for this long is stalled: its next bytes are on no live instance. */
const HASH_STALL_MS = 2_000;
/** Deepest nesting of a commit body (Box's is three levels deep). */
const MAX_COMMIT_DEPTH = 32;

export interface CommitRequest {
  sessionId: string;
  digest: string | undefined;
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  /**
   * Reads and parses the body under the given limits. Called only once the session is found to be the caller's,
   * active and the Digest well-formed: no other request's body is ever parsed.
   */
  readBody(limits: JsonLimits): Promise<CommitBody>;
  /** Aborted when the client has gone: a commit waiting for the whole-file hash stops waiting. */
  signal?: AbortSignal;
}

export type CommitResult = { status: 201; files: Files } | { status: 202; retryAfterSeconds: number };

interface Attributes {
  contentCreatedAt?: Date;
  contentModifiedAt?: Date;
  description?: string;
  name?: string;
}

export class Commits {
  constructor(
    private readonly ctx: DomainContext,
    private readonly hasher: WholeFileHasher,
    private readonly views: FileViews,
    private readonly claims: PartClaims,
    private readonly sessions: UploadSessions,
  ) {}

  async commit(user: UserRecord, request: CommitRequest): Promise<CommitResult> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const result = await this.attempt(user, request);
      this.ctx.events?.commitFinished?.(result.status === 201 ? 'created' : 'pending', seconds());
      return result;
    } catch (error) {
      this.ctx.events?.commitFinished?.('refused', seconds());
      throw error;
    }
  }

  private async attempt(user: UserRecord, request: CommitRequest): Promise<CommitResult> {
    let session = await sessionFor(this.ctx, user, request.sessionId, 'commit');
    if (session.state === 'committed') return this.replay(user, session);
    const digest = parseShaDigest(request.digest);
    if (!digest) {
      throw invalidParameter('bad_request', 'digest', 'The Digest header must hold sha=<base64 SHA-1 of the whole file>');
    }
    const body = await request.readBody({ maxDepth: MAX_COMMIT_DEPTH, maxTokens: tokensAllowed(session.totalParts) });
    const attributes = readCommitAttributesValue(body.attributes);
    const parts = await this.checkParts(session, body.parts);

    session = await this.hashed(session, parts, request.signal);
    if (session.hashedBytes < session.fileSize) {
      await this.ctx.meta.setPendingCommits(session.id, session.pendingCommits + 1);
      const remaining = session.fileSize - this.hasher.hashedBytes(session);
      return { status: 202, retryAfterSeconds: Math.min(30, Math.max(1, Math.ceil(remaining / 200e6))) };
    }
    const actual = (await this.hasher.digestOf(session))!;
    if (actual !== digest) {
      throw new BoxError('digest_mismatch', `File digest was incorrect. Actual: ${hexToBase64(actual)} Expected: ${hexToBase64(digest)}`);
    }
    const target = await this.target(user, session, request, attributes, actual);
    // One commit of a session at a time, across instances: a second waits, then replays the first's file.
    const release = await this.claims.acquireCommit(session.id);
    try {
      const current = (await this.ctx.meta.getSession(session.id)) ?? session;
      if (current.state === 'committed') return await this.replay(user, current);
      await this.completeUpload(current, parts);
      crashPoint('commit-before-transaction');
      const outcome = await this.ctx.meta.commitSession(session.id, target, quotaCheck(this.ctx, user));
      crashPoint('commit-after-transaction');
      if (!outcome.ok) {
        if (outcome.conflict.kind === 'session_not_active') throw new BoxError('not_found', 'Upload session not found');
        if (outcome.conflict.kind === 'session_released') {
          throw new BoxError('session_expired', `The upload session expired at ${session.expiresAt.toISOString()} and its parts were released`);
        }
        throw await conflictError(this.ctx, user, outcome.conflict);
      }
      if (!outcome.replay) this.ctx.events?.sessionCommitted?.();
      return { status: 201, files: await this.views.files(user, outcome.file) };
    } finally {
      await release();
    }
  }

  private async replay(user: UserRecord, session: SessionRecord): Promise<CommitResult> {
    const file = session.committedFileId ? await this.ctx.meta.getFile(user.id, session.committedFileId) : undefined;
    if (!file) throw new BoxError('not_found', 'The file this session created no longer exists');
    return { status: 201, files: await this.views.files(user, file) };
  }

  /**
   * Every listed part matches a stored one, and together they cover the file exactly (order need not be sorted).
   * Returns the stored parts in offset order.
   */
  private async checkParts(session: SessionRecord, listed: ListedParts | null): Promise<PartRecord[]> {
    if (!listed) throw invalidParameter('bad_request', 'parts', 'parts must be an array of uploaded parts', 'missing_parameter');
    if (listed.firstMalformedField !== null) {
      const field = listed.firstMalformedField;
      throw invalidParameter('bad_request', field, `${field} has the wrong type: each part is {part_id: string, offset: integer, size: integer, sha1?: string}`);
    }
    const all = (await this.ctx.meta.listParts(session.id, 0, session.totalParts)).entries;
    const stored = new Map(all.map((p) => [p.offset, p]));
    const seen = new Set<number>();
    for (let i = 0; i < listed.count; i++) {
      const match = listed.malformed[i] ? undefined : stored.get(listed.offsets[i]!);
      if (!match || partIdAt(listed, i) !== match.partId || listed.sizes[i] !== match.size || !sha1Matches(listed, i, match.sha1) || seen.has(match.offset)) {
        throw new BoxError('parts_mismatch', `No matching part found on server for ${describeAt(listed, i)}`);
      }
      seen.add(match.offset);
    }
    if (seen.size !== session.totalParts) {
      const missing = Array.from({ length: session.totalParts }, (_, i) => i * session.partSize).filter((o) => !seen.has(o));
      const what = missing.filter((o) => !stored.has(o)).length > 0 ? 'were never uploaded' : 'are not listed';
      throw new BoxError('parts_mismatch', `The parts do not cover the file: ${missing.length} of ${session.totalParts} parts ${what} (first at offset ${missing[0]})`);
    }
    return all;
  }

  /**
   * Lets the whole-file hash catch up: briefly, or without limit once the client has been told to wait often
   * enough. On a cluster the prefix may be advanced by the instances holding the next parts; if it stops moving
   * (their holder died), the upload is completed and the rest is read back from the object.
   */
  private async hashed(session: SessionRecord, parts: PartRecord[], signal: AbortSignal | undefined): Promise<SessionRecord> {
    const started = Date.now();
    const deadline = session.pendingCommits >= MAX_PENDING_COMMITS ? Infinity : started + this.ctx.policy.commitWaitMs;
    let seen = this.hasher.hashedBytes(session);
    let movedAt = started;
    for (;;) {
      if (session.hashedBytes === session.fileSize) return session;
      const advancing = this.hasher.advance(session.id, true);
      let timer: NodeJS.Timeout | undefined;
      // A single instance folds everything itself: wait for its fold, not for a poll tick.
      const waitMs = Math.min(deadline - Date.now(), this.hasher.clustered ? HASH_POLL_MS : HASH_WAIT_SLICE_MS);
      let onAbort: (() => void) | undefined;
      const gone = new Promise((resolve) => signal?.addEventListener('abort', (onAbort = () => resolve(undefined)), { once: true }));
      await Promise.race([advancing, gone, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, waitMs))))]);
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      session = this.stillWanted(await this.ctx.meta.getSession(session.id), signal);
      const now = Date.now();
      if (session.hashedBytes === session.fileSize || now >= deadline) return session;
      const hashed = this.hasher.hashedBytes(session);
      if (hashed !== seen) {
        seen = hashed;
        movedAt = now;
        continue;
      }
      // Nothing folded here: on a cluster the next bytes may be another instance's to fold; a single instance folds
      // everything itself, so a fold that ended short (an error, logged) is retried, never taken for a stall.
      if (now - movedAt < HASH_STALL_MS || !this.hasher.clustered) {
        await new Promise((resolve) => setTimeout(resolve, HASH_POLL_MS));
        session = this.stillWanted(await this.ctx.meta.getSession(session.id), signal);
        continue;
      }
      if (session.uploadCompleted) return session;
      await this.completeUploadEarly(session, parts);
      this.ctx.log.info({ sessionId: session.id, hashedBytes: session.hashedBytes }, 'whole-file hash stalled; reading the rest back from the completed upload');
      session = (await this.ctx.meta.getSession(session.id))!;
      movedAt = Date.now();
    }
  }

  /**
   * The session re-read while a commit waits for the hash, if the wait should go on: not when the session was
   * aborted, released or has expired meanwhile, nor when the client has gone (nobody would read the answer).
   */
  private stillWanted(session: SessionRecord | undefined, signal: AbortSignal | undefined): SessionRecord {
    if (!session || session.state === 'aborted') throw new BoxError('not_found', 'Upload session not found');
    if (session.state === 'active' && (session.purged || isExpired(this.ctx, session))) {
      throw new BoxError('session_expired', `The upload session expired at ${session.expiresAt.toISOString()}`);
    }
    if (signal?.aborted) throw new BoxError('request_timeout', 'The client went away while the commit waited for the whole-file hash');
    return session;
  }

  /** Completes the upload before the commit (a stalled hash reads the rest back from the object), once. */
  private async completeUploadEarly(session: SessionRecord, parts: PartRecord[]): Promise<void> {
    const release = await this.claims.acquireCommit(session.id);
    try {
      const current = (await this.ctx.meta.getSession(session.id)) ?? session;
      if (current.uploadCompleted || current.state !== 'active') return;
      await this.completeUpload(current, parts);
      await this.ctx.meta.markUploadCompleted(session.id);
    } finally {
      await release();
    }
  }

  /**
   * Completes the blob upload; if that fails because the janitor released the session meanwhile, says so; if the
   * store lost the upload, ends the session.
   */
  private async completeUpload(session: SessionRecord, parts: PartRecord[]): Promise<void> {
    try {
      await this.ctx.blobs.completeUpload(
        { key: session.blobKey, uploadId: session.blobUploadId },
        parts.map((p) => ({ partNumber: p.offset / session.partSize + 1, etag: p.etag })),
      );
    } catch (error) {
      if ((await this.ctx.meta.getSession(session.id))?.purged) {
        throw new BoxError('session_expired', `The upload session expired at ${session.expiresAt.toISOString()} and its parts were released`);
      }
      if (error instanceof UploadLostError) throw await this.sessions.endLost(session, error);
      throw error;
    }
  }

  private async target(user: UserRecord, session: SessionRecord, request: CommitRequest, attributes: Attributes, sha1: string): Promise<NewFile | NewVersion> {
    const common = { sha1, size: session.fileSize, blobKey: session.blobKey };
    if (session.fileId === null) {
      const now = this.ctx.now();
      return {
        ...common,
        ownerId: user.id,
        parentId: session.folderId,
        name: attributes.name ?? session.fileName,
        description: attributes.description ?? '',
        contentCreatedAt: attributes.contentCreatedAt ?? now,
        contentModifiedAt: attributes.contentModifiedAt ?? now,
      };
    }
    const found = await this.ctx.meta.getFile(user.id, session.fileId);
    const file = found?.trashedAt ? undefined : found;
    const ifMatch = request.ifMatch === undefined ? undefined : Number(request.ifMatch.replace(/"/g, ''));
    if (!file) throw new BoxError(ifMatch === undefined ? 'not_found' : 'precondition_failed', 'File not found');
    checkPreconditions(file, request.ifMatch, request.ifNoneMatch);
    return {
      ...common,
      fileId: file.id,
      ownerId: user.id,
      name: attributes.name ?? (session.fileName !== file.name ? session.fileName : undefined),
      description: attributes.description,
      contentModifiedAt: attributes.contentModifiedAt ?? this.ctx.now(),
      ifMatchEtag: ifMatch !== undefined && Number.isFinite(ifMatch) ? ifMatch : undefined,
    };
  }
}

function checkPreconditions(file: FileRecord, ifMatch: string | undefined, ifNoneMatch: string | undefined): void {
  const etag = String(file.etag);
  const matches = (header: string): boolean => header.split(',').some((t) => t.trim().replace(/^W\//, '').replace(/"/g, '') === etag || t.trim() === '*');
  if (ifMatch !== undefined && !matches(ifMatch)) throw new BoxError('precondition_failed');
  if (ifNoneMatch !== undefined && matches(ifNoneMatch)) throw new BoxError('precondition_failed');
}

