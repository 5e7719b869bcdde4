/** The upload policy the domain enforces; one typed object, validated once, each field with its default. */
import { DEFAULT_MIN_CHUNKED_SIZE } from '@tranche/protocol';

export interface UploadPolicy {
  /** Origin written into session_endpoints and upload_url, e.g. http://127.0.0.1:8080. */
  publicUrl: string;
  /** Smallest file_size a chunked session accepts (default 20,000,000 bytes, as Box). */
  minChunkedSize: number;
  /** A fixed part size for every session, overriding the size policy (default: none). */
  fixedPartSize: number | null;
  /** Smallest part size the policy starts from (default 8 MiB). */
  minPartSize: number;
  /** Largest part size the policy may pick (default 512 MiB; must fit in int32). */
  maxPartSize: number;
  /** Most parts a session may have (default 10,000). */
  maxParts: number;
  /** Session lifetime in milliseconds (default 7 days). */
  sessionTtlMs: number;
  /** Largest file a user may store (default 150 GB, Box's largest plan); → 403 file_size_limit_exceeded. */
  maxFileSize: number;
  /** Storage each user may use, in bytes, or null for no limit; → 403 storage_limit_exceeded. */
  userQuota: number | null;
  /** Largest body of a simple (multipart) upload (default 50 MiB); → 413 request_entity_too_large. */
  maxSimpleUploadSize: number;
  /** How long a commit may wait for the whole-file hash to catch up before answering 202 (default 10 s). */
  commitWaitMs: number;
  /** How long trashed items and versions are kept before the janitor purges them (default 30 days, as Box). */
  trashRetentionMs: number;
}

export const DEFAULT_POLICY: Omit<UploadPolicy, 'publicUrl'> = {
  minChunkedSize: DEFAULT_MIN_CHUNKED_SIZE,
  fixedPartSize: null,
  minPartSize: 8 * 1024 * 1024,
  maxPartSize: 512 * 1024 * 1024,
  maxParts: 10_000,
  sessionTtlMs: 7 * 24 * 3600 * 1000,
  maxFileSize: 150_000_000_000,
  userQuota: null,
  maxSimpleUploadSize: 50 * 1024 * 1024,
  commitWaitMs: 10_000,
  trashRetentionMs: 30 * 24 * 3600 * 1000,
};

const INT32_MAX = 2 ** 31 - 1;

export function resolvePolicy(partial: Partial<UploadPolicy> & { publicUrl: string }): UploadPolicy {
  const policy: UploadPolicy = { ...DEFAULT_POLICY, ...stripUndefined(partial), publicUrl: partial.publicUrl };
  const positive = (name: keyof UploadPolicy, value: number | null): void => {
    if (value !== null && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new Error(`${name} must be a positive integer, got ${value}`);
    }
  };
  positive('minChunkedSize', policy.minChunkedSize);
  positive('fixedPartSize', policy.fixedPartSize);
  positive('minPartSize', policy.minPartSize);
  positive('maxPartSize', policy.maxPartSize);
  positive('maxParts', policy.maxParts);
  positive('sessionTtlMs', policy.sessionTtlMs);
  positive('maxFileSize', policy.maxFileSize);
  positive('userQuota', policy.userQuota);
  positive('maxSimpleUploadSize', policy.maxSimpleUploadSize);
  positive('trashRetentionMs', policy.trashRetentionMs);
  if (policy.fixedPartSize !== null && policy.fixedPartSize > INT32_MAX) throw new Error('part size must fit in int32');
  if (policy.maxPartSize > INT32_MAX) throw new Error('maxPartSize must fit in int32');
  if (policy.minPartSize > policy.maxPartSize) throw new Error('minPartSize must not exceed maxPartSize');
  if (!/^https?:\/\/[^/]+$/.test(policy.publicUrl)) throw new Error(`publicUrl must be an origin like http://host:port, got ${policy.publicUrl}`);
  return policy;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
