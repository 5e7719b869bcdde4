/**
 * PUT of one part (spec §4.4): checks the range and digest headers against the session, then streams the body
 * through SHA-1 into its place in the upload, and records the part only once its bytes are durable and verified.
 * A rejected body leaves no record; the region it touched belongs to no part and is overwritten by the next try.
 */
import { createHash } from 'node:crypto';
import { BoxError, hexToBase64, invalidParameter, parseContentRange, parseShaDigest, type UploadPart } from '@tranche/protocol';
import { BodyLengthError, UploadLostError, type ByteSource } from '../store/blob-store.js';
import type { PartRecord, SessionRecord, UserRecord } from '../store/metadata-store.js';
import type { DomainContext } from './context.js';
import type { PartRejection } from './events.js';
import { crashPoint } from './crash-points.js';
import { partIdFor } from './ids.js';
import type { PartClaims } from './part-claims.js';
import { sessionFor } from './session-access.js';
import type { UploadSessions } from './upload-sessions.js';
import { partView } from './views.js';
import type { WholeFileHasher } from './whole-file-hash.js';

export interface PartUploadRequest {
  sessionId: string;
  contentRange: string | undefined;
  digest: string | undefined;
  /** The Content-Length header as sent, or undefined with chunked transfer encoding. */
  contentLength: string | undefined;
  chunked: boolean;
  body: ByteSource;
  signal: AbortSignal;
}

export class PartUploads {
  constructor(
    private readonly ctx: DomainContext,
    private readonly claims: PartClaims,
    private readonly hasher: WholeFileHasher,
    private readonly sessions: UploadSessions,
  ) {}

  /**
   * Answers may come before the body is read (an identical part already stored, or a rejected request); the
   * HTTP server then drains the unread body so the connection stays usable.
   */
  async upload(user: UserRecord, request: PartUploadRequest): Promise<UploadPart> {
    try {
      return await this.checkedUpload(user, request);
    } catch (error) {
      this.ctx.events?.partRejected?.(rejectionOf(error, request.signal));
      throw error;
    }
  }

  private async checkedUpload(user: UserRecord, request: PartUploadRequest): Promise<UploadPart> {
    const session = await sessionFor(this.ctx, user, request.sessionId, 'upload');
    const { offset, size, sha1 } = checkHeaders(session, request);
    const release = await this.claims.acquire(session.id, offset, request.signal);
    try {
      const stored = await this.ctx.meta.getPartAt(session.id, offset);
      if (stored) return sameOrOverlap(stored, size, sha1);
      const part = await this.write(session, offset, size, sha1, request);
      return partView(part);
    } finally {
      await release();
    }
  }

  private async write(session: SessionRecord, offset: number, size: number, expectedSha1: string, request: PartUploadRequest): Promise<PartRecord> {
    const hash = createHash('sha1');
    const index = offset / session.partSize;
    let receipt: { etag: string | null };
    try {
      receipt = await this.ctx.blobs.writePart(
        { key: session.blobKey, uploadId: session.blobUploadId },
        { partNumber: index + 1, offset, size },
        verified(request.body, hash, size, expectedSha1),
        request.signal,
      );
    } catch (error) {
      if (error instanceof UploadLostError) throw await this.sessions.endLost(session, error);
      throw bodyError(error, size);
    }
    crashPoint('part-written');
    const part: PartRecord = { sessionId: session.id, partId: partIdFor(session.id, index), offset, size, sha1: expectedSha1, etag: receipt.etag };
    const outcome = await this.ctx.meta.insertPart(part);
    if ('sessionState' in outcome) {
      throw outcome.sessionState === 'committed'
        ? new BoxError('bad_request', 'The upload session has been committed; parts can no longer be uploaded')
        : new BoxError('not_found', 'Upload session not found');
    }
    if (!outcome.inserted) sameOrOverlap(outcome.part, size, expectedSha1);
    else this.ctx.events?.partAccepted?.(size);
    this.hasher.partStored(session.id, part.offset + part.size, part.size);
    crashPoint('part-recorded');
    return outcome.part;
  }
}

function checkHeaders(session: SessionRecord, request: PartUploadRequest): { offset: number; size: number; sha1: string } {
  if (request.contentRange === undefined) {
    throw invalidParameter('bad_request', 'content-range', 'The Content-Range header is required', 'missing_parameter');
  }
  const range = parseContentRange(request.contentRange);
  if (!range) throw new BoxError('invalid_range', `Malformed Content-Range ${JSON.stringify(request.contentRange)}: expected "bytes first-last/total"`);
  if (request.digest === undefined) {
    throw invalidParameter('bad_request', 'digest', 'The Digest header is required: sha=<base64 SHA-1 of the part>', 'missing_parameter');
  }
  const sha1 = parseShaDigest(request.digest);
  if (!sha1) throw invalidParameter('bad_request', 'digest', 'The Digest header must hold sha=<base64 of the 20-byte SHA-1>');
  const size = range.last - range.first + 1;
  if (request.contentLength === undefined && !request.chunked) throw new BoxError('length_required');
  if (request.contentLength !== undefined && Number(request.contentLength) !== size) {
    throw new BoxError('request_size_mismatch', `Content-Length ${request.contentLength} does not match the Content-Range length ${size}`);
  }
  const { partSize, fileSize } = session;
  if (range.total !== fileSize) throw new BoxError('invalid_range', `The Content-Range total ${range.total} is not the session's file size ${fileSize}`);
  if (range.first % partSize !== 0) throw new BoxError('invalid_range', `A part must start at a multiple of the part size ${partSize}`);
  const expected = Math.min(partSize, fileSize - range.first);
  if (size !== expected) throw new BoxError('invalid_range', `The part at ${range.first} must be ${expected} bytes, not ${size}`);
  return { offset: range.first, size, sha1 };
}

/** An identical part already stored is answered as stored (a retried PUT); anything else overlaps it. */
function sameOrOverlap(stored: PartRecord, size: number, sha1: string): UploadPart {
  if (stored.size === size && stored.sha1 === sha1) return partView(stored);
  throw new BoxError('range_overlaps_existing_part', 'The range overlaps a part already uploaded to this session', {
    conflicting_part: partView(stored),
  });
}

/**
 * The body, hashed as it passes; throws digest_mismatch once it ended, at the right length, with the wrong SHA-1. Stores hold a part's
 * last bytes back until their source ends (S3: the request never completes), so a wrong part is never kept.
 */
async function* verified(body: ByteSource, hash: ReturnType<typeof createHash>, size: number, expectedSha1: string): AsyncGenerator<Uint8Array> {
  let received = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    crashPoint('part-body-chunk');
    received += chunk.byteLength;
    yield chunk;
  }
  if (received !== size) return; // the store reports the length mismatch
  const actual = hash.digest('hex');
  if (actual !== expectedSha1) {
    throw new BoxError('digest_mismatch', `Part digest was incorrect. Actual: ${hexToBase64(actual)} Expected: ${hexToBase64(expectedSha1)}`);
  }
}

/** The reason a part was refused, for whoever counts refusals. */
function rejectionOf(error: unknown, signal: AbortSignal): PartRejection {
  if (signal.aborted) return 'aborted';
  const code = error instanceof BoxError ? error.code : undefined;
  if (code === 'digest_mismatch') return 'digest_mismatch';
  if (code === 'range_overlaps_existing_part') return 'overlap';
  if (code === 'request_size_mismatch' || code === 'invalid_range' || code === 'length_required') return 'size';
  return 'other';
}

function bodyError(error: unknown, expected: number): unknown {
  if (error instanceof BodyLengthError) {
    return new BoxError('request_size_mismatch', `Request body size didn't match the range: expected ${expected} bytes`);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error).name === 'AbortError' || (error as Error).message === 'aborted') {
    return new BoxError('request_size_mismatch', `The request body ended before ${expected} bytes arrived`);
  }
  return error;
}
