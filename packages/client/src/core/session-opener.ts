/**
 * Finding the session to upload into: the one in the resume state when it is still usable, or a new one.
 * Every way a stored session can be unusable is reported as a `restarted` event:
 *   - the local file's size or mtime differ from the state (file_changed; the stale session is aborted),
 *   - the server answers 404 (session_not_found: aborted or cleaned up) or 410 (session_expired).
 * A stored part whose sha1 no longer matches the local bytes is found later, while reading (ResumeMismatchError).
 */
import type { UploadPart, UploadSession } from '@tranche/protocol';
import type { ChunkedJob } from './chunked.js';
import { TrancheApiError } from './errors.js';
import type { UploadState } from './resume.js';
import { abortSessionUrl, createSession, getSession, listAllParts } from './sessions.js';

export interface OpenedSession {
  session: Pick<UploadSession, 'id' | 'part_size' | 'total_parts' | 'session_expires_at' | 'session_endpoints'>;
  /** Parts already on the server, by offset. */
  stored: Map<number, UploadPart>;
  /** The resume record, when the upload is resumable. */
  state: UploadState | undefined;
}

export class ResumeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeMismatchError';
  }
}

export async function openSession(job: ChunkedJob, allowResume: boolean): Promise<OpenedSession> {
  const resumed = allowResume ? await resume(job) : undefined;
  if (resumed) return resumed;
  const { config, source } = job;
  const session = await createSession(config, job.destination, source.size, job.name, job.retryNotice('create session'));
  const now = new Date().toISOString();
  const state: UploadState | undefined =
    job.key && job.store
      ? {
          version: 1,
          key: job.key,
          sourceId: source.id!,
          name: job.name ?? source.name ?? '',
          size: source.size,
          lastModified: source.lastModified,
          destination: job.destination,
          uploadUrl: config.uploadUrl,
          apiUrl: config.apiUrl,
          session: {
            id: session.id,
            part_size: session.part_size,
            total_parts: session.total_parts,
            session_expires_at: session.session_expires_at,
            session_endpoints: session.session_endpoints,
          },
          parts: [],
          createdAt: now,
          updatedAt: now,
        }
      : undefined;
  if (state) await job.store!.set(state.key, state);
  job.emit({ type: 'started', mode: 'chunked', size: source.size, name: job.name ?? source.name ?? '', sessionId: session.id, partSize: session.part_size, totalParts: session.total_parts });
  return { session, stored: new Map(), state };
}

async function resume(job: ChunkedJob): Promise<OpenedSession | undefined> {
  if (!job.key || !job.store) return undefined;
  const state = await job.store.get(job.key);
  if (!state) return undefined;
  const { source, config } = job;
  const previousSessionId = state.session.id;
  if (state.size !== source.size || state.lastModified !== source.lastModified) {
    const detail = `the local file changed since the interrupted upload (size ${state.size} → ${source.size}, mtime ${fmt(state.lastModified)} → ${fmt(source.lastModified)})`;
    job.emit({ type: 'restarted', reason: 'file_changed', previousSessionId, detail });
    await abortSessionUrl(config, state.session.session_endpoints.abort).catch(() => undefined);
    await job.store.remove(job.key);
    return undefined;
  }
  let session: UploadSession;
  let parts: UploadPart[];
  try {
    session = await getSession(config, state.session.session_endpoints.status, job.retryNotice('session status'));
    parts = await listAllParts(config, session.session_endpoints?.list_parts ?? state.session.session_endpoints.list_parts, job.retryNotice('list parts'));
  } catch (error) {
    if (!(error instanceof TrancheApiError) || (error.status !== 404 && error.status !== 410)) throw error;
    const reason = error.status === 410 ? 'session_expired' : 'session_not_found';
    job.emit({ type: 'restarted', reason, previousSessionId, detail: `session ${previousSessionId}: ${error.status} ${error.code}` });
    await job.store.remove(job.key);
    return undefined;
  }
  const merged = { ...state.session, ...pickSession(session) };
  const stored = new Map(parts.map((p) => [p.offset, p]));
  const bytesOnServer = parts.reduce((n, p) => n + p.size, 0);
  job.emit({ type: 'resumed', sessionId: merged.id, partSize: merged.part_size, totalParts: merged.total_parts, partsOnServer: parts.length, bytesOnServer });
  return { session: merged, stored, state: { ...state, session: merged, parts } };
}

function pickSession(session: UploadSession): Partial<OpenedSession['session']> {
  const out: Partial<OpenedSession['session']> = {};
  if (Number.isSafeInteger(session.part_size)) out.part_size = session.part_size;
  if (Number.isSafeInteger(session.total_parts)) out.total_parts = session.total_parts;
  if (typeof session.session_expires_at === 'string') out.session_expires_at = session.session_expires_at;
  if (session.session_endpoints?.upload_part) out.session_endpoints = session.session_endpoints;
  return out;
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? 'unknown' : new Date(ms).toISOString();
}
