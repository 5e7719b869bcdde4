/**
 * A chunked upload, start to finish: open a session (new or resumed), read the source once in offset order,
 * hash every part and the whole file from the same buffer (or where the bytes are: part-hashing.ts), send the
 * missing parts through a bounded pool, commit with the parts sorted by offset and the whole-file Digest.
 */
import { partRange, type BoxFile, type UploadPart } from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import { IntegrityError, TrancheApiError, UploadIncompleteError } from './errors.js';
import type { UploadEvent } from './events.js';
import { uploadPart } from './parts.js';
import { ProgressTracker } from './progress.js';
import { TaskPool } from './queue.js';
import { StateSaver, type ResumeStore } from './resume.js';
import { commitSession, abortSessionUrl } from './sessions.js';
import { openSession, ResumeMismatchError, type OpenedSession } from './session-opener.js';
import type { UploadSource } from './source.js';
import { openPartHashing } from './part-hashing.js';
import type { RetryNotice } from './retry.js';
import { verifySampledParts } from './whole-hash.js';

export interface ChunkedJob {
  config: ClientConfig;
  source: UploadSource;
  destination: import('./sessions.js').Destination;
  /** Undefined for a new version that keeps its name. */
  name: string | undefined;
  parallel: number;
  store: ResumeStore | undefined;
  key: string | undefined;
  attributes: Record<string, string> | undefined;
  emit: (event: UploadEvent) => void;
  readonly progress: ProgressTracker;
  retryNotice: (what: string) => (notice: RetryNotice) => void;
}

export async function chunkedUpload(job: ChunkedJob): Promise<BoxFile> {
  let opened = await openSession(job, true);
  try {
    return await transfer(job, opened);
  } catch (error) {
    if (!(error instanceof ResumeMismatchError)) throw error;
    // The stored session holds bytes that are no longer in the local file: throw it away and start over once.
    job.emit({ type: 'restarted', reason: 'file_changed', previousSessionId: opened.session.id, detail: error.message });
    await abortSessionUrl(job.config, opened.session.session_endpoints.abort).catch(() => undefined);
    if (job.key) await job.store?.remove(job.key);
    job.progress.reset();
    opened = await openSession(job, false);
    return await transfer(job, opened);
  }
}

async function transfer(job: ChunkedJob, opened: OpenedSession): Promise<BoxFile> {
  const { config, source } = job;
  const { session, stored, state } = opened;
  const saver = state && job.store ? new StateSaver(job.store, state) : undefined;
  const done: UploadPart[] = [];
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(config.signal?.reason);
  config.signal?.addEventListener('abort', onAbort, { once: true });
  const pool = new TaskPool(job.parallel);
  const hashing = openPartHashing(config, source, state?.hash);
  let hashedTo = hashing.hashedTo;
  const target = { uploadUrl: session.session_endpoints.upload_part, listUrl: session.session_endpoints.list_parts, fileSize: source.size };
  const partDone = (part: UploadPart, reused: boolean, known = false): void => {
    done.push(part);
    job.progress.done(part.offset, part.size);
    job.emit({ type: 'part', offset: part.offset, size: part.size, partId: part.part_id, sha1: part.sha1, reused, partsDone: done.length, totalParts: session.total_parts });
    if (!known) saver?.save((s) => s.parts.push(part));
  };
  let sha1: string;
  try {
    // A resumed session: sampled stored parts must still match the local bytes before anything is sent.
    if (stored.size > 0) {
      const mismatch = await verifySampledParts(hashing, source, stored, controller.signal);
      if (mismatch) throw new ResumeMismatchError(mismatch);
    }
    for (let index = 0; index < session.total_parts; index++) {
      // Bytes read here wait for a free slot first (memory: parts in flight + one); parts hashed elsewhere are
      // prepared while every slot is busy, so a freed slot starts its next PUT at once.
      if (!hashing.preparesAhead) await pool.ready();
      const { offset, size } = partRange(index, session.part_size, source.size);
      const known = stored.get(offset);
      // Bytes already in the restored whole-file hash: a stored part needs no reading at all.
      const hashed = offset + size <= hashedTo;
      if (known && hashed) {
        partDone(known, true, true);
        continue;
      }
      const { sha1: partSha1, body, state: saved } = await hashing.part(offset, offset + size, { whole: !hashed, save: saver !== undefined }, controller.signal);
      if (!hashed) {
        hashedTo = offset + size;
        if (saver && saved !== undefined) {
          const at = hashedTo;
          saver.save((s) => (s.hash = { offset: at, state: saved }));
        }
      }
      if (known) {
        if (known.size !== size || known.sha1.toLowerCase() !== partSha1) {
          throw new ResumeMismatchError(`the part at offset ${offset} on the server has sha1 ${known.sha1}; the local bytes hash to ${partSha1}`);
        }
        partDone(known, true, true);
        continue;
      }
      if (hashing.preparesAhead) await pool.ready();
      pool.start(async () => {
        const result = await uploadPart({ ...config, signal: controller.signal }, target, { offset, body, sha1: partSha1 }, {
          signal: controller.signal,
          onRetry: job.retryNotice(`part at offset ${offset}`),
          onBodyProgress: (sent) => job.progress.sending(offset, sent),
        });
        partDone(result.part, result.reused);
      });
    }
    await pool.drain();
    sha1 = await hashing.digestHex();
  } catch (error) {
    controller.abort(error);
    await pool.settle();
    await saver?.flush();
    if (error instanceof ResumeMismatchError) throw error;
    throw incomplete(job, session.id, done.length, session.total_parts, error);
  } finally {
    config.signal?.removeEventListener('abort', onAbort);
    hashing.dispose();
  }
  return commit(job, opened, done, sha1, saver);
}

async function commit(job: ChunkedJob, opened: OpenedSession, parts: UploadPart[], sha1: string, saver: StateSaver | undefined): Promise<BoxFile> {
  const { session } = opened;
  let file: BoxFile;
  try {
    file = await commitSession(job.config, session.session_endpoints.commit, {
      parts,
      sha1,
      attributes: job.attributes,
      onPending: (retryAfterMs) => job.emit({ type: 'commit-pending', retryAfterMs }),
      onRetry: job.retryNotice('commit'),
    });
  } catch (error) {
    await saver?.flush();
    // A refused part list or digest will be refused again: the session is useless, drop it.
    const hopeless = error instanceof TrancheApiError && (error.code === 'parts_mismatch' || error.code === 'digest_mismatch');
    if (hopeless) {
      await abortSessionUrl(job.config, session.session_endpoints.abort).catch(() => undefined);
      if (job.key) await job.store?.remove(job.key);
    }
    throw incomplete(job, session.id, parts.length, session.total_parts, error, !hopeless);
  }
  await saver?.flush();
  if (job.key) await job.store?.remove(job.key);
  if (typeof file.sha1 === 'string' && file.sha1.toLowerCase() !== sha1) throw new IntegrityError(`committed file ${file.id}`, file.sha1, sha1);
  job.emit({ type: 'committed', fileId: file.id, name: file.name, size: file.size, sha1: file.sha1, sessionId: session.id });
  return file;
}

function incomplete(job: ChunkedJob, sessionId: string, partsDone: number, totalParts: number, cause: unknown, keep = true): UploadIncompleteError {
  const aborted = job.config.signal?.aborted === true;
  return new UploadIncompleteError({
    sessionId,
    partsDone,
    totalParts,
    aborted,
    resumable: keep && job.key !== undefined && job.store !== undefined,
    cause: aborted ? job.config.signal!.reason : cause,
  });
}
