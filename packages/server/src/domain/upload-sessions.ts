/** Creating upload sessions, their status, their parts, abort and client telemetry (spec §4.1–§4.3, §4.5, §4.7, §4.8). */
import {
  BoxError,
  invalidParameter,
  ITEM_ID_PATTERN,
  LIST_PARTS_MAX_LIMIT,
  LIST_PARTS_MAX_OFFSET,
  totalParts,
  type UploadParts,
  type UploadSession,
} from '@tranche/protocol';
import type { SessionRecord, UserRecord } from '../store/metadata-store.js';
import type { WholeFileHasher } from './whole-file-hash.js';
import type { DomainContext } from './context.js';
import { crashPoint } from './crash-points.js';
import { newSessionId, sessionBlobKey } from './ids.js';
import { assertCanStore, assertNameFree, conflictError, quotaCheck, requireFile, requireFolder } from './item-checks.js';
import { readLogBody, readNewSessionBody, readVersionSessionBody } from './bodies.js';
import { pagingParam } from './query-params.js';
import { choosePartSize } from './part-size-policy.js';
import { findSession, sessionFor } from './session-access.js';
import { partView, sessionView } from './views.js';

export class UploadSessions {
  constructor(
    private readonly ctx: DomainContext,
    private readonly hasher: WholeFileHasher,
  ) {}

  /** POST /files/upload_sessions */
  async createForNewFile(user: UserRecord, body: unknown): Promise<UploadSession> {
    const { folderId, fileName: name, fileSize: size } = readNewSessionBody(body);
    const fileSize = this.fileSize(size);
    await requireFolder(this.ctx, user, folderId);
    await assertNameFree(this.ctx, user, folderId, name);
    return this.open(user, { folderId, fileId: null, fileName: name, fileSize });
  }

  /** POST /files/{file_id}/upload_sessions */
  async createForNewVersion(user: UserRecord, fileId: string, body: unknown): Promise<UploadSession> {
    const input = readVersionSessionBody(body);
    const fileSize = this.fileSize(input.fileSize);
    const file = await requireFile(this.ctx, user, fileId);
    let name = file.name;
    if (input.fileName !== undefined) {
      name = input.fileName;
      await assertNameFree(this.ctx, user, file.parentId, name, file.id);
    }
    return this.open(user, { folderId: file.parentId, fileId: file.id, fileName: name, fileSize });
  }

  private fileSize(value: number): number {
    const { policy } = this.ctx;
    if (value < policy.minChunkedSize) {
      throw new BoxError('file_size_too_small', `File size ${value} is less than the minimum of ${policy.minChunkedSize} bytes for chunked uploads`);
    }
    return value;
  }

  private async open(
    user: UserRecord,
    target: { folderId: string; fileId: string | null; fileName: string; fileSize: number },
  ): Promise<UploadSession> {
    const { ctx } = this;
    await assertCanStore(ctx, user, target.fileSize);
    const partSize = choosePartSize(target.fileSize, ctx.policy);
    if (partSize === null) throw new BoxError('request_entity_too_large', 'The file needs more parts than a session may have');
    const id = newSessionId();
    const now = ctx.now();
    const upload = await ctx.blobs.createUpload(sessionBlobKey(id), target.fileSize);
    crashPoint('session-blob-created');
    const session: SessionRecord = {
      id,
      ownerId: user.id,
      ...target,
      partSize,
      totalParts: totalParts(target.fileSize, partSize),
      state: 'active',
      createdAt: now,
      expiresAt: new Date(now.getTime() + ctx.policy.sessionTtlMs),
      blobKey: upload.key,
      blobUploadId: upload.uploadId,
      hashedBytes: 0,
      hashState: null,
      pendingCommits: 0,
      committedFileId: null,
      purged: false,
      uploadCompleted: false,
    };
    try {
      const created = await ctx.meta.createSession(session, quotaCheck(ctx, user));
      if (!created.ok) throw await conflictError(ctx, user, created.conflict);
    } catch (error) {
      await ctx.blobs.abortUpload(upload).catch(() => {});
      throw error;
    }
    ctx.events?.sessionCreated?.();
    return sessionView(session, 0, ctx.policy.publicUrl);
  }

  /** GET /files/upload_sessions/{id} */
  async status(user: UserRecord, id: string): Promise<UploadSession> {
    const session = await sessionFor(this.ctx, user, id, 'status');
    const { total } = await this.ctx.meta.listParts(id, 0, 0);
    return sessionView(session, total, this.ctx.policy.publicUrl);
  }

  /** GET /files/upload_sessions/{id}/parts */
  async listParts(user: UserRecord, id: string, query: { offset?: string; limit?: string }): Promise<UploadParts> {
    await sessionFor(this.ctx, user, id, 'list');
    const offset = pagingParam(query.offset, 0, 'offset');
    if (offset > LIST_PARTS_MAX_OFFSET) {
      throw invalidParameter('invalid_offset', 'offset', `offset must not exceed ${LIST_PARTS_MAX_OFFSET}`);
    }
    const limit = Math.min(pagingParam(query.limit, LIST_PARTS_MAX_LIMIT, 'limit'), LIST_PARTS_MAX_LIMIT);
    const page = await this.ctx.meta.listParts(id, offset, limit);
    return {
      total_count: page.total,
      limit,
      offset,
      order: [{ by: 'offset', direction: 'ASC' }],
      entries: page.entries.map(partView),
    };
  }

  /** DELETE /files/upload_sessions/{id}: 204 for active, aborted, expired and committed sessions alike. */
  async abort(user: UserRecord, id: string): Promise<void> {
    const session = await findSession(this.ctx, user, id);
    if (session.state !== 'active') return;
    if ((await this.ctx.meta.abortSession(id)) === 'aborted') this.ctx.events?.sessionAborted?.();
    await this.release({ ...session, state: 'aborted' });
  }

  /**
   * The operator's abort (`tranche sessions abort`): any user's session; an active one (expired or not) is aborted
   * and its bytes released. Undefined when there is no such session.
   */
  async abortById(id: string): Promise<{ aborted: boolean; state: string; released: boolean } | undefined> {
    const session = await this.ctx.meta.getSession(id);
    if (!session) return undefined;
    if (session.state !== 'active') return { aborted: false, state: session.state, released: session.purged };
    const state = await this.ctx.meta.abortSession(id);
    if (state !== 'aborted') return { aborted: false, state: state ?? 'missing', released: false };
    this.ctx.events?.sessionAborted?.();
    return { aborted: true, state, released: await this.release({ ...session, state: 'aborted' }) };
  }

  /**
   * Releases the bytes of an aborted or expired session; also used by the janitor. The release is first won
   * against commits in the store (a commit that got there first keeps the bytes), then the bytes go, then the
   * records: a crash in between leaves a release the janitor resumes. Returns whether it released. An active
   * session released here is one that expired.
   */
  async release(session: SessionRecord): Promise<boolean> {
    if (!(await this.ctx.meta.beginRelease(session.id, this.ctx.now()))) return false;
    await this.ctx.blobs.abortUpload({ key: session.blobKey, uploadId: session.blobUploadId });
    crashPoint('session-blob-released');
    await this.ctx.meta.markPurged(session.id);
    await this.hasher.forget(session.id);
    if (session.state === 'active') this.ctx.events?.sessionExpired?.();
    return true;
  }

  /**
   * The blob store lost the session's upload (removed behind Tranche's back: an S3 lifecycle rule, an operator):
   * no part or commit can succeed any more, so the session ends as aborted and what it holds is released. Returns
   * the error to answer with: a clear end, where a 500 would have the client retry forever.
   */
  async endLost(session: SessionRecord, cause: unknown): Promise<BoxError> {
    const state = await this.ctx.meta.abortSession(session.id);
    this.ctx.log.warn({ err: cause, sessionId: session.id, blobKey: session.blobKey, state }, 'the blob store lost the upload of a session; the session is ended');
    if (state === 'aborted') await this.release(session);
    return new BoxError(
      'upload_failed',
      'The parts of this upload session are gone from the storage (removed outside Tranche); the session has ended: upload the file again in a new session',
    );
  }

  /** POST /files/upload_sessions/{id}/log: accepted and logged, content otherwise ignored. */
  async logEvent(user: UserRecord, id: string, body: unknown): Promise<void> {
    await findSession(this.ctx, user, id);
    const event = readLogBody(body);
    this.ctx.log.info({ sessionId: id, eventType: loggable(event.eventType, 100), eventInfo: loggable(event.eventInfo, 500) }, 'client event');
  }
}

/** A client-supplied value as a log line may carry it: text of at most `max` characters (cut with a marker). */
export function loggable(value: unknown, max: number): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more]`;
}
