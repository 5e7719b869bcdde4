/**
 * Uploading one part, with retries. A retried PUT may find its part already stored (the first attempt reached
 * the server but its answer was lost): a 416 `range_overlaps_existing_part` whose conflicting part has our
 * offset, size and sha1 (or a lenient 200 with that part) counts as done; anything else is a clear error.
 */
import { formatContentRange, shaDigestHeader, type UploadPart, type UploadedPart } from '@tranche/protocol';
import type { ClientConfig } from './config.js';
import { TrancheApiError, TrancheProtocolError } from './errors.js';
import { readJson, send } from './http.js';
import { withRetry, type RetryNotice } from './retry.js';
import type { OpaqueBody } from './transport.js';
import { listAllParts } from './sessions.js';

export interface PartData {
  offset: number;
  /** The part's bytes, or an opaque body of the source (its size is the OpaqueBody's byteLength). */
  body: Uint8Array | OpaqueBody;
  /** Lowercase hex SHA-1 of the body. */
  sha1: string;
}

export interface PartTarget {
  uploadUrl: string;
  listUrl: string;
  fileSize: number;
}

export interface PartResult {
  part: UploadPart;
  /** The server already had it (a retry after a lost answer). */
  reused: boolean;
}

export class PartConflictError extends Error {
  constructor(offset: number, ours: { size: number; sha1: string }, stored: UploadPart | undefined) {
    const theirs = stored ? `a different part (size ${stored.size}, sha1 ${stored.sha1})` : 'an overlapping part it will not show';
    super(
      `the session already holds ${theirs} at offset ${offset} (ours: size ${ours.size}, sha1 ${ours.sha1}); ` +
        'another client used this session or the local file changed: abort the upload and start again',
    );
    this.name = 'PartConflictError';
  }
}

export async function uploadPart(
  config: ClientConfig,
  target: PartTarget,
  data: PartData,
  options: { signal?: AbortSignal; onRetry?: (n: RetryNotice) => void; onBodyProgress?: (sent: number) => void },
): Promise<PartResult> {
  const size = data.body.byteLength;
  const request = {
    method: 'PUT',
    url: target.uploadUrl,
    body: data.body,
    signal: options.signal,
    onBodyProgress: options.onBodyProgress,
    headers: {
      'content-type': 'application/octet-stream',
      'content-range': formatContentRange(data.offset, size, target.fileSize),
      digest: shaDigestHeader(data.sha1),
    },
  };
  return withRetry(
    config.retry,
    options.signal,
    async () => {
      try {
        const response = await send(config, request);
        const part = (await readJson<UploadedPart>(response, request))?.part;
        if (!part || !sameContent(part, data.offset, size, data.sha1)) {
          throw new TrancheProtocolError(
            `PUT ${target.uploadUrl} at offset ${data.offset}: the server answered ${JSON.stringify(part)}, not our part (size ${size}, sha1 ${data.sha1})`,
          );
        }
        return { part, reused: false };
      } catch (error) {
        if (!(error instanceof TrancheApiError && error.status === 416 && error.code === 'range_overlaps_existing_part')) throw error;
        const stored = conflictingPart(error) ?? (await findStoredPart(config, target.listUrl, data.offset, options.signal));
        if (stored && sameContent(stored, data.offset, size, data.sha1)) return { part: stored, reused: true };
        throw new PartConflictError(data.offset, { size, sha1: data.sha1 }, stored);
      }
    },
    options.onRetry,
  );
}

function sameContent(part: UploadPart, offset: number, size: number, sha1: string): boolean {
  return part.offset === offset && part.size === size && typeof part.sha1 === 'string' && part.sha1.toLowerCase() === sha1;
}

function conflictingPart(error: TrancheApiError): UploadPart | undefined {
  const part = error.contextInfo?.['conflicting_part'] as UploadPart | undefined;
  return part && typeof part.part_id === 'string' && typeof part.offset === 'number' ? part : undefined;
}

async function findStoredPart(config: ClientConfig, listUrl: string, offset: number, signal?: AbortSignal): Promise<UploadPart | undefined> {
  const parts = await listAllParts({ ...config, signal: signal ?? config.signal }, listUrl);
  return parts.find((p) => p.offset === offset);
}
