/**
 * What an S3 error says, and errors that say it. The SDK names an error after the S3 code in the answer; services
 * that send no message (Ceph RGW sends none) leave it as "UnknownError", which alone tells an operator nothing. A
 * described error keeps the code as its name (callers match on it) and carries the operation, the HTTP status and
 * the request id, as properties (for the log) and in its message.
 */
import { StorageFullError, UploadLostError } from '../blob-store.js';

/** S3-compatible services' names for "the storage is full". */
const FULL_CODES = new Set(['XMinioStorageFull', 'QuotaExceeded', 'InsufficientStorage']);

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

export function codeOf(error: unknown): string | undefined {
  const e = error as SdkError | undefined;
  return e?.Code ?? e?.name;
}

export function isCode(error: unknown, ...codes: string[]): boolean {
  const e = error as SdkError | undefined;
  return codes.some((code) => e?.name === code || e?.Code === code);
}

export function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** An answer from the S3 service (not a network failure, not our own error). */
function isServiceError(error: unknown): error is SdkError & Error {
  return error instanceof Error && statusOf(error) !== undefined;
}

export class S3RequestError extends Error {
  constructor(
    readonly operation: string,
    readonly code: string,
    readonly status: number | undefined,
    readonly requestId: string | undefined,
    serviceMessage: string | undefined,
    cause: unknown,
  ) {
    const said = serviceMessage && serviceMessage !== 'UnknownError' ? `: ${serviceMessage}` : '';
    super(`S3 ${operation} failed: ${code} (HTTP ${status ?? '?'}, request id ${requestId ?? 'none'})${said}`, { cause });
    this.name = code;
  }
}

/**
 * The error a store method throws for `error` from `operation`: StorageFullError for a full store, a described
 * S3RequestError for any other answer of the service, anything else as it is.
 */
export function storageError(operation: string, error: unknown): unknown {
  if (error instanceof StorageFullError || error instanceof UploadLostError || error instanceof S3RequestError) return error;
  if (FULL_CODES.has(codeOf(error) ?? '')) return new StorageFullError(error);
  if (!isServiceError(error)) return error;
  return new S3RequestError(operation, codeOf(error) ?? 'Unknown', statusOf(error), error.$metadata?.requestId, error.message, error);
}
